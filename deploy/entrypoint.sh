#!/usr/bin/env bash
# Coxa's processes, one command each: the container image's entrypoint, and ExecStart of the
# systemd units (deploy/systemd/). Each command replaces this shell (exec), so the process
# gets the signals (a stop is a SIGTERM to gunicorn or the worker, which finish what they hold).
#
#   entrypoint.sh web [GUNICORN OPTIONS]   gunicorn with deploy/gunicorn.conf.py
#   entrypoint.sh worker [OPTIONS]         coxa worker: runs the background tasks
#   entrypoint.sh scheduler [OPTIONS]      coxa scheduler: enqueues the nightly jobs
#   entrypoint.sh migrate [OPTIONS]        coxa migrate --no-input (once a release, first)
#   entrypoint.sh nightly                  the nightly jobs now, one after the other (the
#                                          coxa-nightly.timer alternative to the scheduler)
#   entrypoint.sh manage COMMAND [ARGS]    any coxa command (backup, createsuperuser, ...)
set -euo pipefail

readonly EX_USAGE=64
readonly EX_CONFIG=78
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly here
# In the order they must run: surveillance enrols from what the follow-up refresh left.
readonly NIGHTLY_JOBS=(refresh_readiness refresh_follow_up refresh_surveillance clean_up clean_up_exports)

usage() {
    cat >&2 <<'EOF'
usage: entrypoint.sh web | worker | scheduler | migrate | nightly | manage COMMAND [ARGS...]
  web        serve Coxa with gunicorn (deploy/gunicorn.conf.py)
  worker     run background tasks from the database queue (coxa worker)
  scheduler  enqueue the nightly jobs once a night (coxa scheduler)
  migrate    apply database migrations (coxa migrate --no-input)
  nightly    run the nightly jobs now, one after the other
  manage     run any coxa command, e.g. manage backup
EOF
}

refuse() {
    printf 'coxa: %s\n' "$1" >&2
    exit "$EX_CONFIG"
}

# COXA_DEBUG as Coxa reads it (coxa.config.env.env_bool): 1, true, yes or on, in any case.
debugging() {
    case "${COXA_DEBUG:-}" in
        [Tt][Rr][Uu][Ee] | [Yy][Ee][Ss] | [Oo][Nn] | 1) return 0 ;;
        *) return 1 ;;
    esac
}

# Serving without COXA_DEBUG needs a secret key and host names. Coxa's settings refuse too;
# this says so before gunicorn starts a worker to find out, in one plain line.
check_web_settings() {
    debugging && return 0
    local key="${COXA_SECRET_KEY:-}" key_file="${COXA_SECRET_KEY_FILE:-}"
    if [[ -n "${key// /}" && -n "$key_file" ]]; then
        refuse "set COXA_SECRET_KEY or COXA_SECRET_KEY_FILE, not both"
    elif [[ -n "$key_file" ]]; then
        [[ -r "$key_file" && -s "$key_file" ]] \
            || refuse "COXA_SECRET_KEY_FILE=$key_file is not a readable file with a key in it"
    elif [[ -z "${key// /}" ]]; then
        refuse "COXA_SECRET_KEY is not set: the web process will not start in production \
without it (COXA_DEBUG is off). Make one with: python3 -c 'import secrets; \
print(secrets.token_urlsafe(50))', and set it (or COXA_SECRET_KEY_FILE) in the environment file."
    fi
    [[ -n "${COXA_ALLOWED_HOSTS:-}" ]] \
        || refuse "COXA_ALLOWED_HOSTS is not set: the host names Coxa answers to, comma-separated"
}

nightly() {
    local job failed=()
    for job in "${NIGHTLY_JOBS[@]}"; do
        # Each job records its own start, success or failure (core.jobs); one that fails does
        # not stop the next, and the run fails if any did (/healthz/ready names it too).
        coxa "$job" || failed+=("$job")
    done
    if ((${#failed[@]})); then
        printf 'coxa: nightly jobs failed: %s\n' "${failed[*]}" >&2
        exit 1
    fi
}

main() {
    if (($# == 0)); then
        usage
        exit "$EX_USAGE"
    fi
    local command="$1"
    shift
    case "$command" in
        web)
            check_web_settings
            exec gunicorn --config "$here/gunicorn.conf.py" "$@"
            ;;
        worker | scheduler) exec coxa "$command" "$@" ;;
        migrate) exec coxa migrate --no-input "$@" ;;
        nightly)
            (($# == 0)) || { usage; exit "$EX_USAGE"; }
            nightly
            ;;
        manage)
            (($# > 0)) || { usage; exit "$EX_USAGE"; }
            exec coxa "$@"
            ;;
        -h | --help | help) usage ;;
        *)
            printf 'coxa: unknown command %q\n' "$command" >&2
            usage
            exit "$EX_USAGE"
            ;;
    esac
}

main "$@"
