//! Starts real helpdesk servers on loopback for the ticket connector tests: Request Tracker 5,
//! Redmine 5, an SMTP sink and a validating mock of Jira Service Management.
