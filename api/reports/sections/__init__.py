"""One module per section of the report, in the order they print (see ``api.reports.report``)."""
