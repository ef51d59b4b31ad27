# nifty_module(NAME SOURCES ... DEPS ...): one static library nifty::NAME per module.
# Headers are included from src/ ("candles/candle_builder.h").
function(nifty_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS" ${ARGN})
  add_library(nifty_${name} STATIC ${M_SOURCES})
  add_library(nifty::${name} ALIAS nifty_${name})
  target_include_directories(nifty_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(nifty_${name} PUBLIC ${M_DEPS})
endfunction()

# nifty_test(NAME SOURCES ... DEPS ... LABELS ...): one GoogleTest executable registered with ctest.
function(nifty_test name)
  if(NOT NIFTY_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(T "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_DEPS} GTest::gtest GTest::gtest_main)
  # Test-only helpers shared by every test executable ("support/shared_data.h").
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  target_compile_definitions(${name} PRIVATE
    NIFTY_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    NIFTY_SHARED_DATA_DIR="${PROJECT_SOURCE_DIR}/../shared/data")
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}" TIMEOUT 600)
endfunction()
