#!/bin/sh
# Install the jobsmith release the administrator names, beside the ones already there,
# and make it the current one:
#
#   JOBSMITH_PIP_SPEC=https://pkgs.example.com/jobsmith-0.2.0-py3-none-any.whl \
#       sh deploy/agent/install-jobsmith.sh [PREFIX]          (PREFIX: /opt/jobsmith)
#   sh deploy/agent/install-jobsmith.sh --check      only check the spec; print its version
#
# JOBSMITH_PIP_SPEC is one of
#   a wheel, by URL or path            .../jobsmith-0.2.0-py3-none-any.whl
#   a git URL with a tag               git+https://git.example.com/jobsmith.git@v0.2.0
#   a version on your own index        jobsmith==0.2.0, with JOBSMITH_INDEX_URL set
#                                      (only that index is asked, never pip's config)
# Anything else, unset included, is refused: a bare `jobsmith` would install whatever a
# public index serves under that name, on every agent.
#
# Each release gets its own virtualenv, PREFIX/versions/VERSION; PREFIX/current points
# at the newest one (the agent's PATH holds PREFIX/current/bin). A running `jobsmith run`
# keeps the interpreter and files it started with, so an upgrade interrupts no build.
# The installed version is checked against the one the spec names; a mismatch is
# refused. JOBSMITH_VERSION names it when the spec does not (a git ref like `release`).
set -eu

CHECK_ONLY=
if [ "${1:-}" = "--check" ]; then CHECK_ONLY=1; shift; fi
PREFIX=${1:-/opt/jobsmith}
SPEC=${JOBSMITH_PIP_SPEC:-}
INDEX=${JOBSMITH_INDEX_URL:-}
PYTHON=${PYTHON:-python3}

fail() {
    echo "install-jobsmith: $*" >&2
    exit 2
}

FORMS="a wheel (https://.../jobsmith-0.2.0-py3-none-any.whl or a path),"
FORMS="$FORMS a git URL with a tag (git+https://.../jobsmith.git@v0.2.0),"
FORMS="$FORMS or jobsmith==0.2.0 with JOBSMITH_INDEX_URL"

# The version a spec names ("" when it names none), or a refusal.
spec_version() {
    target=$1
    case $target in
        "jobsmith @ "*) target=${target#"jobsmith @ "} ;;
    esac
    case $target in
        "")
            fail "JOBSMITH_PIP_SPEC is not set. Name the jobsmith to install: $FORMS." ;;
        *.whl)
            name=${target##*/}
            case $name in
                jobsmith-*-*.whl) version=${name#jobsmith-}; echo "${version%%-*}" ;;
                *) fail "$target: not a jobsmith wheel (jobsmith-VERSION-...whl)" ;;
            esac ;;
        git+*)
            case ${target##*/} in
                *@?*) ref=${target##*@}; ref=${ref%%#*}; echo "${ref#v}" ;;
                *) fail "$target: name a tag (git+https://...@v0.2.0); a branch moves" ;;
            esac ;;
        jobsmith==*)
            [ -n "$INDEX" ] || fail "$target needs JOBSMITH_INDEX_URL (your own index):" \
                "without it pip would ask a public index for the name jobsmith."
            echo "${target#jobsmith==}" ;;
        *)
            fail "$target is not a pinned jobsmith. Use $FORMS." ;;
    esac
}

VERSION=$(spec_version "$SPEC")
VERSION=${JOBSMITH_VERSION:-$VERSION}
case $VERSION in
    "" | *[!0-9A-Za-z.+-]*)
        fail "cannot tell which version $SPEC installs; set JOBSMITH_VERSION" ;;
esac
if [ -n "$CHECK_ONLY" ]; then
    echo "$VERSION"
    exit 0
fi

DIR=$PREFIX/versions/$VERSION
WANT="jobsmith, version $VERSION"
if [ -x "$DIR/bin/jobsmith" ] && [ "$("$DIR/bin/jobsmith" --version 2>/dev/null)" = "$WANT" ]; then
    echo "jobsmith $VERSION is already installed in $DIR"
else
    # Never rebuild a working virtualenv in place: builds may be running from it.
    rm -rf "$DIR"
    mkdir -p "$PREFIX/versions"
    "$PYTHON" -m venv "$DIR"
    if [ -n "$INDEX" ]; then
        # Only the named index: no pip.conf extra-index-url, no PIP_EXTRA_INDEX_URL.
        env -u PIP_EXTRA_INDEX_URL -u PIP_INDEX_URL PIP_CONFIG_FILE=/dev/null \
            "$DIR/bin/python" -m pip install --quiet --disable-pip-version-check \
            --index-url "$INDEX" "$SPEC"
    else
        "$DIR/bin/python" -m pip install --quiet --disable-pip-version-check "$SPEC"
    fi
    GOT=$("$DIR/bin/jobsmith" --version 2>&1 || true)
    if [ "$GOT" != "$WANT" ]; then
        rm -rf "$DIR"
        fail "$SPEC was to install jobsmith $VERSION but installed: $GOT"
    fi
fi

PREVIOUS=$(readlink "$PREFIX/current" 2>/dev/null || echo none)
ln -sfn "versions/$VERSION" "$PREFIX/current.new"
mv -T "$PREFIX/current.new" "$PREFIX/current"
echo "jobsmith $VERSION is current in $PREFIX (was: ${PREVIOUS#versions/})"
