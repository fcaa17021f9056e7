"""Reports: the figures of a compiled and run model as tables (terminal), JSON, PNG and HTML."""
