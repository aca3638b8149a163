# The real ClearML Python SDK for tests/Cairn.Compat.Tests: Debian's Python (/usr/bin/python3,
# never a pyenv one on PATH) with the Debian python3-* packages the SDK imports, plus
# scikit-learn/joblib for its automatic model logging. The SDK itself is not installed: it is the
# unmodified ClearML 1.17.0 folder beside the repository (../shared/vendor/clearml-1.17.0) or
# CLEARML_SDK_DIR. PyTorch is not installed: python3-torch is a 140 MB download of 157 packages
# (75 s to install here), and the SDK's automatic logging of torch.save did not fire reliably in
# our runs (its import hook), so scikit-learn's joblib is the framework the suite logs with.
sdk_dir="${CLEARML_SDK_DIR:-$(cd .. && pwd)/shared/vendor/clearml-1.17.0}"
if [ ! -d "$sdk_dir/clearml" ]; then
    if [ "${CI:-}" = "true" ]; then
        echo "The real ClearML SDK is missing at $sdk_dir (set CLEARML_SDK_DIR); the real-SDK tests fail."
        false
    else
        echo "Real-SDK tests skipped: no ClearML SDK at $sdk_dir; set CLEARML_SDK_DIR to a ClearML 1.17.0 checkout (the folder holding clearml/) to run them."
        true
    fi
else
    export CAIRN_TEST_CLEARML_SDK="$sdk_dir" CAIRN_TEST_PYTHON=/usr/bin/python3
    python_packages="python3 python3-furl python3-orderedmultidict python3-numpy python3-pil python3-psutil python3-jwt
        python3-jsonschema python3-requests python3-yaml python3-attr python3-dateutil python3-six python3-pyparsing
        python3-urllib3 python3-sklearn python3-joblib"
    # shellcheck disable=SC2086
    missing_packages=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' $python_packages 2>/dev/null | awk '$1 == "ii" { print $2 }' \
        | sort | comm -13 - <(tr -s ' \n' '\n' <<<"$python_packages" | sed '/^$/d' | sort))
    if [ -n "$missing_packages" ]; then
        echo "Installing Python packages for the real-SDK tests: $(echo $missing_packages)…"
        # shellcheck disable=SC2086
        apt_install $missing_packages || { echo "apt-get could not install them; see $results/apt-install.log"; false; }
    fi
    PYTHONPATH="$sdk_dir" PYTHONPYCACHEPREFIX="${TMPDIR:-/tmp}/cairn-compat-pycache" /usr/bin/python3 -c 'import clearml' \
        > "$results/python-sdk.log" 2>&1 || { echo "The ClearML SDK does not import with /usr/bin/python3; see $results/python-sdk.log"; false; }
fi
