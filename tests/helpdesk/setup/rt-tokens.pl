# Creates fresh REST2 tokens in a private copy of the template database: one for the connector's
# user "deskside", one for root (the tests read tickets back with it, independently of the
# connector). Prints key=value lines.
use strict;
use warnings;
use lib '/usr/share/request-tracker5/lib';
use RT;
RT::LoadConfig();
RT::Init();

my %out;
for my $pair (['connector_token', 'deskside'], ['admin_token', 'root']) {
    my ($key, $name) = @$pair;
    my $user = RT::User->new(RT->SystemUser);
    $user->Load($name);
    die "user $name missing (run tests/helpdesk/install.sh)\n" unless $user->id;
    my $token = RT::AuthToken->new(RT::CurrentUser->new($user->id));
    my ($id, $msg, $auth) = $token->Create(Owner => $user->id, Description => 'deskside tests');
    die "token for $name: $msg\n" unless $id;
    $out{$key} = $auth;
}
print "$_=$out{$_}\n" for sort keys %out;
