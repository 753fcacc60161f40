# Turns a copy of the packaged Redmine database into the test template (run with `rails runner`):
# REST API on, project "it-support" with every tracker, the "Deskside Key" issue custom field
# (string, filterable, all projects), a user "deskside" with the Reporter role there, and API keys
# for it and for admin (replaced by fresh random ones in every private copy). Idempotent.
Setting.rest_api_enabled = '1'
project = Project.find_by(identifier: 'it-support') ||
          Project.create!(name: 'IT support', identifier: 'it-support', is_public: false)
project.trackers = Tracker.all.to_a
project.enabled_module_names = (project.enabled_module_names | ['issue_tracking'])
project.save!
cf = IssueCustomField.find_by(name: 'Deskside Key') ||
     IssueCustomField.create!(name: 'Deskside Key', field_format: 'string', is_for_all: true,
                              is_filter: true, searchable: true, visible: true,
                              tracker_ids: Tracker.pluck(:id))
user = User.find_by(login: 'deskside') || User.new
user.login = 'deskside'
user.firstname = 'Deskside'
user.lastname = 'Connector'
user.mail = 'deskside@deskside.test'
user.password = SecureRandom.hex(20)
user.password_confirmation = user.password
user.status = User::STATUS_ACTIVE
user.admin = false
user.save!
role = Role.find_by(name: 'Reporter') || Role.givable.first
unless Member.exists?(user_id: user.id, project_id: project.id)
  Member.create!(user: user, project: project, roles: [role])
end
user.api_key
User.find_by(login: 'admin').api_key
puts "cf_id=#{cf.id}"
