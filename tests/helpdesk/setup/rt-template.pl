# Turns a copy of the packaged RT database into the test template: the "Deskside Key" ticket
# custom field on queue General (the connector's idempotency key) and an unprivileged-as-possible
# user "deskside" with just the rights the connector needs. Idempotent.
use strict;
use warnings;
use lib '/usr/share/request-tracker5/lib';
use RT;
RT::LoadConfig();
RT::Init();

my $sys = RT->SystemUser;
my $queue = RT::Queue->new($sys);
$queue->Load('General');
die "queue General missing\n" unless $queue->id;

my $cf = RT::CustomField->new($sys);
$cf->LoadByName(Name => 'Deskside Key', LookupType => RT::Ticket->CustomFieldLookupType);
unless ($cf->id) {
    my ($ok, $msg) = $cf->Create(
        Name        => 'Deskside Key',
        Type        => 'FreeformSingle',
        LookupType  => RT::Ticket->CustomFieldLookupType,
        Description => 'Idempotency key of a Deskside ticket',
    );
    die "custom field: $msg\n" unless $ok;
    ($ok, $msg) = $cf->AddToObject($queue);
    die "custom field on General: $msg\n" unless $ok;
}

my $user = RT::User->new($sys);
$user->Load('deskside');
unless ($user->id) {
    my ($ok, $msg) = $user->Create(
        Name         => 'deskside',
        EmailAddress => 'deskside@deskside.test',
        Privileged   => 1,
    );
    die "user: $msg\n" unless $ok;
}
for my $right (qw(CreateTicket ShowTicket SeeQueue SeeCustomField ModifyCustomField ModifyTicket
                  ReplyToTicket CommentOnTicket ShowTicketComments)) {
    $user->PrincipalObj->GrantRight(Object => $queue, Right => $right);
}
$user->PrincipalObj->GrantRight(Object => RT->System, Right => 'ManageAuthTokens');
print "cf_id=", $cf->id, "\n";
