#!/bin/sh
# Copy Linux modules and everything they depend on, in load order, out of
# an unpacked Debian kernel package, for an initramfs. The package has no
# modules.dep (depmod runs at install time), so the order comes from each
# module's own .modinfo "depends=". Module names use '_' where file names
# may use '-'. Compressed modules are decompressed, since busybox insmod
# reads plain ELF only.
#   kmods.sh MODDIR DESTDIR NAME...   (MODDIR: the package's lib/modules/VERSION)
# Writes DESTDIR/NAME.ko for every module needed and DESTDIR/load, one name
# a line, each module after its dependencies (for `insmod` in that order).
set -e
mods=$1 dest=$2
shift 2
mkdir -p "$dest"
list=$dest/.modfiles
find "$mods" -name '*.ko' -o -name '*.ko.xz' >"$list"
: >"$dest/load"
modfile() { # modfile NAME: the path of module NAME
    n=$(echo "$1" | sed 's/[-_]/[-_]/g')
    grep -E "/$n\\.ko(\\.xz)?\$" "$list" | head -n 1
}
add() ( # add NAME: NAME after its dependencies (a subshell: recursion)
    name=$(echo "$1" | tr - _)
    grep -qx "$name" "$dest/load" && return 0
    f=$(modfile "$name")
    [ -n "$f" ] || { echo "kmods: module $name not in $mods" >&2; exit 1; }
    ko=$dest/$name.ko
    case "$f" in
    *.xz) xz -dc "$f" >"$ko" ;;
    *) cp "$f" "$ko" ;;
    esac
    deps=$(tr '\0' '\n' <"$ko" | sed -n 's/^depends=//p' | head -n 1 | tr , ' ')
    for dep in $deps; do
        add "$dep"
    done
    echo "$name" >>"$dest/load"
)
for m in "$@"; do
    add "$m"
done
rm -f "$list"
