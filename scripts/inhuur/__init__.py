"""inhuur: assess offers on an inhuuropdracht in an Excel scoring matrix, checked by a pure rules engine."""

__version__ = "0.1.0"
