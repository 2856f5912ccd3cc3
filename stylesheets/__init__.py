"""The house style: layout values and stylesheets shared by both renderers.

This folder is installed as ``pipeline.stylesheets`` so that a worker that has
only the installed package (a Dask worker, say) finds it too.
"""
