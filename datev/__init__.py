"""The DATEV engine: booking rules, booking generation, EXTF Buchungsstapel writer and validator.

Independent of Flask and of Amazon's file formats: it consumes the records of
`parsers.records` and writes DATEV-Format files (format version 13). Entry points:

- `datev.export.export_settlement` / `export_vat_report`: generate, write and validate a batch;
- `datev.rules.default_rule_book(chart)` or `datev.rule_store.load_rule_book(client_id, ...)`;
- `datev.settings.BatchSettings` (or `datev.rule_store.batch_settings(client)`);
- `datev.extf_validator.validate_file` for any EXTF file.
"""
