# Copy to instance/config.py and adjust; environment variables (KIRAB_*)
# override what is set here. Never commit the copy.

# The address people and calendar apps reach the app at.
# BASE_URL = "https://kirab.example.org"

# PostgreSQL instead of the embedded SQLite database.
# SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://kirab@localhost/kirab"

# Shared rate-limit storage for several workers or machines.
# RATELIMIT_STORAGE_URI = "redis://127.0.0.1:6379/0"

# "development" allows session cookies over plain HTTP.
# KIRAB_ENV = "production"

# Earlier secret keys that still verify sessions, forms and QR links (the
# current SECRET_KEY signs); drop one once what it signed may stop working.
# SECRET_KEY_FALLBACKS = ["the-previous-key"]

# A login ends after this long without a request, and this long after it began.
# SESSION_IDLE_MINUTES = 120
# SESSION_MAX_HOURS = 12
