"""The archive side: what an output folder tells a records archive.

``catalogue`` (catalogue.csv/json), ``report`` (the paged index.html),
``dublincore`` (metadata.csv for Archivematica), ``package`` (the BagIt bag) and
``verify`` (every record, manifest and bag checked against its checksums).
"""
