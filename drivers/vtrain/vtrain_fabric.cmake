# vtrain's scale-out transport over libfabric (drivers/vtrain/vtrain_fabric.c,
# docs/vtrain-fabric.md): a static library, its unit test and its benches, built only when
# pkg-config finds libfabric (Debian libfabric-dev); the MPI baseline only when Open MPI is
# found too. Included from the top-level CMakeLists.txt.
pkg_check_modules(LIBFABRIC IMPORTED_TARGET libfabric)
if(LIBFABRIC_FOUND)
  add_library(vtrain_fabric STATIC ${CMAKE_SOURCE_DIR}/drivers/vtrain/vtrain_fabric.c)
  target_include_directories(vtrain_fabric PUBLIC ${CMAKE_SOURCE_DIR}/drivers/vtrain)
  target_link_libraries(vtrain_fabric PUBLIC PkgConfig::LIBFABRIC Threads::Threads)
  set_target_properties(vtrain_fabric PROPERTIES POSITION_INDEPENDENT_CODE ON)

  add_executable(test_vtrain_fabric ${CMAKE_SOURCE_DIR}/tests/unit/test_vtrain_fabric.c)
  target_link_libraries(test_vtrain_fabric PRIVATE vtrain_fabric PkgConfig::CMOCKA)
  add_test(NAME unit/test_vtrain_fabric COMMAND test_vtrain_fabric)
  # As tests/CMakeLists.txt's accel_test_env, whose time limit is a variable of that directory.
  set(env "ACCEL_LOG=err")
  set(limit 180)
  if(ACCEL_TSAN)
    list(APPEND env "TSAN_OPTIONS=suppressions=${CMAKE_SOURCE_DIR}/tests/tsan.supp:log_path=${CMAKE_BINARY_DIR}/tsan/test_vtrain_fabric:second_deadlock_stack=1:history_size=4")
    set(limit 900)
  endif()
  set_tests_properties(unit/test_vtrain_fabric PROPERTIES ENVIRONMENT "${env}" TIMEOUT ${limit})

  # Out of bin/: scripts/bench.sh runs every bin/bench_*; these run from scripts/bench-fabric.sh.
  add_executable(bench_fabric ${CMAKE_SOURCE_DIR}/bench/bench_fabric.c)
  target_link_libraries(bench_fabric PRIVATE vtrain_fabric)
  set_target_properties(bench_fabric PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench-fabric)
  find_package(MPI COMPONENTS C QUIET)
  if(MPI_C_FOUND)
    add_executable(bench_fabric_mpi ${CMAKE_SOURCE_DIR}/bench/bench_fabric_mpi.c)
    target_link_libraries(bench_fabric_mpi PRIVATE MPI::MPI_C m)
    set_target_properties(bench_fabric_mpi PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench-fabric)
  else()
    message(STATUS "vtrain_fabric: no MPI (Debian libopenmpi-dev): bench_fabric_mpi not built")
  endif()
else()
  message(STATUS "vtrain_fabric: no libfabric (Debian libfabric-dev): transport, test and benches skipped")
  add_test(NAME unit/test_vtrain_fabric COMMAND sh -c "echo 'libfabric not found: skipped'; exit 77")
  set_tests_properties(unit/test_vtrain_fabric PROPERTIES SKIP_RETURN_CODE 77)
endif()
