"""The batch: many pages converted into one output folder, records whole and true.

``run`` plans and drives a batch (what to convert, what is already done, the
manifest); ``pool`` and ``executors`` run the pages (local worker processes or
Dask); ``record`` writes and publishes one record folder with its checksum file;
``ledger`` is the SQLite ledger of attempts; ``repair`` checks the ledger and the
manifest against the folders after any interruption; ``progress`` is what the
person sees while it runs.  docs/batch-integrity.md says what each guarantees.
"""
