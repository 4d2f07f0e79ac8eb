"""``make demo`` (``python -m infra.local.demo``): a living company's data, loaded through
the public API of a running ``make run``. ``data`` builds the data set from a fixed seed,
``loader`` sends it (idempotent: a second run adds nothing), ``summary`` prints what was
loaded, the tokens to use and requests to try."""
