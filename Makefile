# The whole set-up: `make run` serves the app, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1:8000
# make serve: gunicorn's address and worker count (WEB_CONCURRENCY, as on most PaaS).
BIND ?= 127.0.0.1:8000
WEB_CONCURRENCY ?= 2
# make backup writes here (.dump on PostgreSQL, .sqlite3 on SQLite is appended);
# make restore needs BACKUP=<file> given explicitly.
BACKUP ?= backups/mgplanner-$(shell date +%Y%m%d-%H%M%S)

.PHONY: run serve backup restore test lint security format install migrate data demo bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: $(STAMP)
	$(MANAGE) migrate --noinput -v 0

# load_foods skips a file it has already loaded (checksum), so a second run is quick.
data: migrate
	$(MANAGE) load_foods

demo: data
	$(MANAGE) seed_demo --base-url http://$(HOST)

run: demo
	$(MANAGE) runserver $(HOST)

# Production-style: DEBUG off unless set, hashed and compressed static files served by
# whitenoise, gunicorn sync workers. Configure with the variables in .env.example.
serve: export DJANGO_DEBUG ?= 0
serve: export DJANGO_MANIFEST_STATIC = 1
serve: data
	$(MANAGE) collectstatic --noinput -v 0
	$(BIN)/gunicorn mgplanner.wsgi --config python:mgplanner.gunicorn_conf \
		--bind $(BIND) --workers $(WEB_CONCURRENCY)

backup: $(STAMP)
	$(MANAGE) backup_db $(BACKUP)

restore: $(STAMP)
	@test -n "$(filter command line,$(origin BACKUP))" || \
		{ echo "make restore: give the file, e.g. make restore BACKUP=backups/mgplanner-....dump" >&2; exit 2; }
	$(MANAGE) restore_db $(BACKUP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# bandit: no medium or high finding (reviewed ones carry `# nosec <id>` with the reason).
# pip-audit: every installed distribution checked against PyPI's advisories (--strict: none
# may go unchecked). .ci/audit fails on any known vulnerability; when the advisory service
# cannot be reached, .ci/audit_fallback.py checks each distribution that is at its latest
# release against PyPI's project JSON API and lists the rest as NOT AUDITED (AUDIT_REQUIRED=1
# makes anything not audited fatal too).
AUDIT_STRICT ?= --strict
security: $(STAMP)
	$(BIN)/bandit -q -r accounts foods plans mgplanner -ll
	mkdir -p build
	$(BIN)/python -m pip freeze --exclude mgplanner > build/audit-requirements.txt
	.ci/audit $(BIN)/pip-audit $(AUDIT_STRICT) --no-deps --disable-pip --progress-spinner off \
		-r build/audit-requirements.txt

# pytest-xdist: one worker process per logical CPU (PYTEST_WORKERS=0: all in one process).
# Its "load" scheduling hands each worker tests in collection order, so pytest-django's order
# holds in each worker: the transactional tests (which empty the tables, migration rows
# included) come after all the others (--dist worksteal would break that). --maxschedchunk 1
# hands out tests one at a time, so the six parts of the thorough fuzz go to both workers.
PYTEST_WORKERS ?= logical
test: lint security
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --maxschedchunk 1

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 build *.egg-info
