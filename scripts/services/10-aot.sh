# The Native AOT sample (samples/AotQuickstart, run by tests/Cairn.Tests) links with clang against
# zlib: Debian's clang and zlib1g-dev, installed when missing.
aot_packages="clang zlib1g-dev"
# shellcheck disable=SC2086
missing_aot=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' $aot_packages 2>/dev/null | awk '$1 == "ii" { print $2 }' \
    | sort | comm -13 - <(tr -s ' \n' '\n' <<<"$aot_packages" | sed '/^$/d' | sort))
if [ -n "$missing_aot" ]; then
    echo "Installing $(echo $missing_aot) for the Native AOT sample…"
    # shellcheck disable=SC2086
    apt_install $missing_aot || { echo "apt-get could not install them; see $results/apt-install.log"; false; }
fi
