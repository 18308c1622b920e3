# Run by `cmake --install` (packaging/install.cmake): the installed files whose text depends
# on where the installation goes, made for the prefix of this install (CMAKE_INSTALL_PREFIX,
# as --prefix sets it): libaccel.pc, accelrt.pc, acceld.service,
# and the man pages generated from the built programs' --help.

# A path under the prefix: relative ones are the prefix's, absolute ones stay (GNUInstallDirs
# makes SYSCONFDIR /etc for the prefix /usr).
function(accel_full var rel)
  if(IS_ABSOLUTE "${rel}")
    set(${var} "${rel}" PARENT_SCOPE)
  elseif(rel STREQUAL "etc" AND CMAKE_INSTALL_PREFIX STREQUAL "/usr")
    set(${var} "/etc" PARENT_SCOPE)
  else()
    set(${var} "${CMAKE_INSTALL_PREFIX}/${rel}" PARENT_SCOPE)
  endif()
endfunction()

set(ACCEL_PREFIX "${CMAKE_INSTALL_PREFIX}")
accel_full(ACCEL_BINDIR "${ACCEL_REL_BINDIR}")
accel_full(ACCEL_LIBDIR "${ACCEL_REL_LIBDIR}")
accel_full(ACCEL_INCLUDEDIR "${ACCEL_REL_INCLUDEDIR}")
accel_full(ACCEL_SYSCONFDIR "${ACCEL_REL_SYSCONFDIR}")
accel_full(ACCEL_DOCDIR "${ACCEL_REL_DOCDIR}")
accel_full(ACCEL_MANDIR "${ACCEL_REL_MANDIR}")
# The generated files, made in a scratch directory of the build, then installed like any
# other file: file(INSTALL) puts them under $DESTDIR and lists them in install_manifest.txt.
set(gen "${ACCEL_BUILD_DIR}/install-generated")
file(REMOVE_RECURSE "${gen}")
file(MAKE_DIRECTORY "${gen}/man")
configure_file("${ACCEL_SOURCE_DIR}/packaging/pkgconfig/libaccel.pc.in" "${gen}/libaccel.pc" @ONLY)
configure_file("${ACCEL_SOURCE_DIR}/packaging/pkgconfig/accelrt.pc.in" "${gen}/accelrt.pc" @ONLY)
configure_file("${ACCEL_SOURCE_DIR}/packaging/systemd/acceld.service.in" "${gen}/acceld.service" @ONLY)
execute_process(COMMAND "${ACCEL_SOURCE_DIR}/packaging/man/gen-man.sh" "${ACCEL_CMD}" "${ACCELD}"
                        "${ACCEL_VERSION}" "${gen}/man"
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "generating the man pages failed (${rc})")
endif()

file(INSTALL "${gen}/libaccel.pc" "${gen}/accelrt.pc" DESTINATION "${ACCEL_LIBDIR}/pkgconfig")
# systemd's search path for units of the prefix: <prefix>/lib/systemd/system.
file(INSTALL "${gen}/acceld.service" DESTINATION "${ACCEL_PREFIX}/lib/systemd/system")
file(INSTALL "${gen}/man/accel.1" DESTINATION "${ACCEL_MANDIR}/man1")
file(INSTALL "${gen}/man/acceld.8" DESTINATION "${ACCEL_MANDIR}/man8")
