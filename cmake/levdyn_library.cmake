# levdyn_folder_library(NAME LIBS ...): one static library per source folder, built from
# every .cc file in it (main.cc excluded), with a levdyn::NAME alias.
function(levdyn_folder_library name)
  cmake_parse_arguments(ARG "" "" "LIBS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  list(FILTER sources EXCLUDE REGEX ".*/main\\.cc$")
  if(sources)
    add_library(levdyn_${name} STATIC ${sources})
    target_include_directories(levdyn_${name} PUBLIC ${PROJECT_SOURCE_DIR})
    target_link_libraries(levdyn_${name} PUBLIC ${ARG_LIBS} PRIVATE levdyn_warnings)
  else()  # a folder still being written: headers only
    add_library(levdyn_${name} INTERFACE)
    target_include_directories(levdyn_${name} INTERFACE ${PROJECT_SOURCE_DIR})
    target_link_libraries(levdyn_${name} INTERFACE ${ARG_LIBS})
  endif()
  add_library(levdyn::${name} ALIAS levdyn_${name})
endfunction()
