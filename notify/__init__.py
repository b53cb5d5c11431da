"""notify: outage communication that apologises, owns the failure, offers a remedy and speaks plainly."""

__version__ = "0.1.0"
