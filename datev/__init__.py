"""The DATEV engine: booking rules, booking generation, EXTF Buchungsstapel writer and validator.

Pure: no Flask, no database. It consumes the records of `parsers.records` and writes DATEV-Format
files (format version 13). Entry points:

- `datev.export.export_report(report, rule_book, settings, out_dir)`: generate, write and
  validate the batch of a parsed report (`export_settlement` / `export_vat_report` for records);
- `datev.rules.default_rule_book(chart)`, the one source of default rules (the web app seeds
  its database rules from it, `models.booking_rules`);
- `datev.settings.BatchSettings` (the web app's `Client.batch_settings()`);
- `datev.extf_validator.validate_file` for any EXTF file;
- every refusal is a `datev.errors.DatevError` with a German message.
"""
