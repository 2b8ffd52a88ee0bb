// Package accounts keeps the staff passwords changed since the facility
// file was written. A change is a "user.password" command: replicated, on
// the audit record (who changed whose password, when — never the hash in a
// log line), and applied on every node, which then ends that user's
// sessions on its console. The facility file's hash is the fallback until a
// user first changes their password.
package accounts
