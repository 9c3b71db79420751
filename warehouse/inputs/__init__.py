"""The queries other packages are fed by: one module per reader, each function takes an open
connection and plain parameters and returns frames or plain values (the composition root, tracefit/,
hands them on; recommend/ and dashboards/ never open the database).

recommend.py   the recommender's windows, traffic classes, forecast and scaler inputs
requests.py    logged requests for backtest, calibration and export
dashboard.py   the site's dash_*.sql frames
nightly.py     the nightly job's alerts, fingerprint and last logged day
"""
