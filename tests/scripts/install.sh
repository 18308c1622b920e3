#!/usr/bin/env bash
# `make install`'s rules (packaging/install.cmake): cmake --install of the build into a
# temporary DESTDIR with the prefix /usr/local puts every piece where it belongs; the unit
# names the prefix's paths (and systemd-analyze verify finds nothing wrong where it runs);
# the man pages render without warnings and list every command of `accel --help`; and a
# tiny client built only with `pkg-config --cflags --libs libaccel` against the staged tree
# (PKG_CONFIG_SYSROOT_DIR, PKG_CONFIG_LIBDIR) runs against the embedded devices.
#
#   tests/scripts/install.sh BUILD_DIR
set -euo pipefail
build=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/accel-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

dest=$tmp/dest
prefix=/usr/local
DESTDIR=$dest cmake --install "$build" --prefix "$prefix" > "$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log"; fail "cmake --install failed"; }
root=$dest$prefix
libdir=$(sed -n 's/^libdir=//p' "$(find "$root" -name libaccel.pc | head -n 1)")
[ -n "$libdir" ] || fail "no libaccel.pc installed"
for f in bin/accel bin/acceld lib/libaccel-preload.so \
	include/accel/libaccel.h include/accel/libaccel_vnpu.h include/accel/accelrt.h \
	include/accel/accelrt_model.h include/accel/uapi/drm/vnpu_accel.h \
	include/accel/uapi/drm/drm_ext.h include/accel/drm/drm.h etc/accel/acceld.conf \
	lib/systemd/system/acceld.service share/man/man1/accel.1 share/man/man8/acceld.8 \
	share/doc/accel/README.md; do
	[ -e "$root/$f" ] || fail "$prefix/$f not installed"
done
for f in libaccel.so libaccel.a libaccelrt.a libaccelrt_model.a libaccel_compiler.a \
	pkgconfig/libaccel.pc pkgconfig/accelrt.pc; do
	[ -e "$dest$libdir/$f" ] || fail "$libdir/$f not installed"
done
[ -x "$root/bin/accel" ] && [ -x "$root/bin/acceld" ] || fail "the binaries are not executable"

# The unit starts the installed daemon with the installed configuration.
unit=$root/lib/systemd/system/acceld.service
grep -q "^ExecStart=$prefix/bin/acceld .*--config $prefix/etc/accel/acceld.conf " "$unit" ||
	fail "the unit does not name the prefix's acceld and configuration: $(grep ExecStart "$unit")"
! grep -q '@' "$unit" || fail "the unit has an unreplaced @VARIABLE@"
if command -v systemd-analyze > /dev/null; then
	# The unit as installed, but for its ExecStart pointing into the staged tree (verify
	# checks that the program exists); the man pages it documents are not installed on this
	# system, hence --man=no. A staged --root lacks the system's own units (sysinit.target).
	sed "s|^ExecStart=$prefix/bin/acceld |ExecStart=$root/bin/acceld |" "$unit" > "$tmp/acceld.service"
	systemd-analyze verify --man=no "$tmp/acceld.service" > "$tmp/verify" 2>&1 ||
		{ cat "$tmp/verify"; fail "systemd-analyze verify failed"; }
	[ ! -s "$tmp/verify" ] || { cat "$tmp/verify"; fail "systemd-analyze verify warns"; }
fi

# The man pages: no troff warnings; accel.1 has a section for every command.
if command -v man > /dev/null; then
	for page in man1/accel.1 man8/acceld.8; do
		MANWIDTH=80 man --warnings -l "$root/share/man/$page" > /dev/null 2> "$tmp/man.err" ||
			fail "man cannot render $page"
		[ ! -s "$tmp/man.err" ] || { cat "$tmp/man.err"; fail "$page renders with warnings"; }
	done
fi
ACCEL_ROOT=$tmp/root "$root/bin/accel" --help |
	sed -n '/^commands:$/,/^$/s/^  \([a-z][a-z0-9-]*\)  .*/\1/p' > "$tmp/commands"
[ -s "$tmp/commands" ] || fail "accel --help lists no command"
while read -r c; do
	grep -qx "\\.SS $c" "$root/share/man/man1/accel.1" || fail "accel.1 has no section for '$c'"
done < "$tmp/commands"

# A client built with pkg-config alone, against the staged installation.
cat > "$tmp/client.c" <<'C'
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libaccel.h>
#include <uapi/drm/vnpu_accel.h>

/* The first vnpu device: its compute engines, asked through the uAPI. */
int main(void)
{
	struct accel_device_info *v;
	size_t n, i;
	int ret = 1;

	if (accel_devices_list(&v, &n, 0))
		return 1;
	for (i = 0; i < n && ret; i++) {
		struct drm_vnpu_get_param p = { .param = VNPU_PARAM_COMPUTE_ENGINES };
		int fd;

		if (strcmp(v[i].driver, "vnpu"))
			continue;
		fd = accel_sys_open(v[i].path, O_RDWR);
		if (fd < 0 || accel_sys_ioctl(fd, DRM_IOCTL_VNPU_GET_PARAM, &p))
			break;
		printf("%s %s compute_engines=%llu\n", v[i].node, accel_backend_name(v[i].backend),
		       (unsigned long long)p.value);
		accel_sys_close(fd);
		ret = 0;
	}
	free(v);
	return ret;
}
C
export PKG_CONFIG_SYSROOT_DIR=$dest PKG_CONFIG_LIBDIR=$dest$libdir/pkgconfig
unset PKG_CONFIG_PATH
cflags=$(pkg-config --cflags libaccel) || fail "pkg-config --cflags libaccel failed"
libs=$(pkg-config --libs libaccel) || fail "pkg-config --libs libaccel failed"
case "$cflags $libs" in
*"$dest"*) ;;
*) fail "pkg-config does not point into the staged tree: $cflags $libs" ;;
esac
pkg-config --exists accelrt || fail "accelrt.pc does not resolve (Requires: libaccel)"
# shellcheck disable=SC2086
${CC:-cc} -Wall -Wextra -Werror -o "$tmp/client" "$tmp/client.c" $cflags $libs ||
	fail "the client does not build with: $cflags $libs"
mkdir -p "$tmp/root"
# A sanitizer build's library needs its runtime first in the list: preload it for the client.
san=$(ldd "$dest$libdir/libaccel.so" | awk '/lib(asan|tsan)\.so/ { print $3; exit }')
out=$(env ${san:+LD_PRELOAD=$san} ACCEL_ROOT=$tmp/root ACCEL_BACKEND=embedded LD_LIBRARY_PATH=$dest$libdir "$tmp/client") ||
	fail "the client failed against the embedded devices"
echo "$out" | grep -Eq '^accel[0-9]+ embedded compute_engines=[0-9]+$' ||
	fail "the client printed: $out"
# It runs the installed library, not the build's.
LD_LIBRARY_PATH=$dest$libdir ldd "$tmp/client" > "$tmp/ldd.txt"; grep -q "$dest$libdir/libaccel.so" "$tmp/ldd.txt" ||
	{ cat "$tmp/ldd.txt"; fail "the client does not load the installed libaccel.so"; }
echo "install: ok ($out)"
