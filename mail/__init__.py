"""E-mail: `smtp` sends through MAIL_URL, `sink` is the local SMTP server of development and tests,
`messages` holds the texts Kontor sends."""
