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
