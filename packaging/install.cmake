# `make install` (cmake --install): what an installation of accel holds, under the prefix
# given at install time (cmake --install --prefix, the top Makefile's PREFIX) and DESTDIR.
#
#   bin/accel, bin/acceld                the command and the daemon
#   lib/libaccel.so* and libaccel.a      the client library (include/libaccel.h)
#   lib/libaccel-preload.so              the LD_PRELOAD shim of `accel exec` (found as
#                                        ../lib beside bin/accel)
#   lib/libaccelrt.a, libaccelrt_model.a, libaccel_compiler.a
#                                        the runtime, and models on it with the compiler
#   lib/pkgconfig/libaccel.pc, accelrt.pc
#   include/accel/                       the public headers: libaccel*.h, accelrt*.h,
#                                        uapi/drm/*.h, uapi/sw_sync.h, and drm/drm.h
#                                        forwarding to libdrm's
#   etc/accel/acceld.conf                the configuration example
#   lib/systemd/system/acceld.service    the unit, its paths those of the prefix
#   share/man/man1/accel.1, man8/acceld.8  generated from the programs' --help
#   share/doc/accel/                     README.md and docs/
#
# Files whose text names installation paths (.pc, the unit) and the man pages are made at
# install time by packaging/install-generated.cmake, so that they follow the prefix the
# installation is made for rather than the one the build was configured with.
include(GNUInstallDirs)

install(TARGETS accel_cmd acceld RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# The shim stays in lib/ whatever the libdir: `accel exec` looks for it at ../lib.
install(TARGETS accel_preload LIBRARY DESTINATION lib)
install(TARGETS accel accel_static accelrt accelrt_model accel_compiler
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES ${CMAKE_SOURCE_DIR}/include/libaccel.h ${CMAKE_SOURCE_DIR}/include/libaccel_vnpu.h
              ${CMAKE_SOURCE_DIR}/include/accelrt.h ${CMAKE_SOURCE_DIR}/include/accelrt_model.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/accel)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/include/uapi/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/accel/uapi
        FILES_MATCHING PATTERN "*.h")
install(FILES ${CMAKE_SOURCE_DIR}/packaging/include/drm/drm.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/accel/drm)
install(FILES ${CMAKE_SOURCE_DIR}/etc/acceld.conf DESTINATION ${CMAKE_INSTALL_SYSCONFDIR}/accel)
install(FILES ${CMAKE_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs
        FILES_MATCHING PATTERN "*.md")
# What install-generated.cmake needs, fixed at configure time; the prefix is the install's.
install(CODE "
  set(ACCEL_SOURCE_DIR \"${CMAKE_SOURCE_DIR}\")
  set(ACCEL_BUILD_DIR \"${CMAKE_BINARY_DIR}\")
  set(ACCEL_VERSION \"${PROJECT_VERSION}\")
  set(ACCEL_CMD \"$<TARGET_FILE:accel_cmd>\")
  set(ACCELD \"$<TARGET_FILE:acceld>\")
  set(ACCEL_REL_BINDIR \"${CMAKE_INSTALL_BINDIR}\")
  set(ACCEL_REL_LIBDIR \"${CMAKE_INSTALL_LIBDIR}\")
  set(ACCEL_REL_INCLUDEDIR \"${CMAKE_INSTALL_INCLUDEDIR}\")
  set(ACCEL_REL_SYSCONFDIR \"${CMAKE_INSTALL_SYSCONFDIR}\")
  set(ACCEL_REL_DOCDIR \"${CMAKE_INSTALL_DOCDIR}\")
  set(ACCEL_REL_MANDIR \"${CMAKE_INSTALL_MANDIR}\")
")
install(SCRIPT ${CMAKE_SOURCE_DIR}/packaging/install-generated.cmake)
