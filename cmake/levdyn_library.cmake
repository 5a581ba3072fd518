# levdyn_folder_library(NAME folder LIBS ...): one static library per source folder, built
# from every .cc file in it, with a levdyn::NAME alias.
function(levdyn_folder_library name)
  cmake_parse_arguments(ARG "" "" "LIBS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  list(FILTER sources EXCLUDE REGEX ".*/main\\.cc$")
  add_library(levdyn_${name} STATIC ${sources})
  add_library(levdyn::${name} ALIAS levdyn_${name})
  set_target_properties(levdyn_${name} PROPERTIES LINKER_LANGUAGE CXX)
  target_include_directories(levdyn_${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(levdyn_${name} PUBLIC ${ARG_LIBS} PRIVATE levdyn_warnings)
endfunction()
