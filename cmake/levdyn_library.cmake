# levdyn_folder_library(NAME [LIBS ...] [PARTS ...]): one static library per source folder,
# built from every .cc file in it (main.cc excluded), with a levdyn::NAME alias.
#
# PARTS names .cc files of the folder that form a library of their own, levdyn_NAME_base
# (levdyn::NAME_base), which levdyn::NAME links: what other folders and the fuzz targets need
# without the folder's Beast/Asio code, whose translation units are the slowest to compile by
# far (tests/fuzz builds only what its targets link).
function(levdyn_folder_library name)
  cmake_parse_arguments(ARG "" "" "LIBS;PARTS;PART_LIBS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  list(FILTER sources EXCLUDE REGEX ".*/main\\.cc$")
  if(ARG_PARTS)
    set(parts)
    foreach(part ${ARG_PARTS})
      list(APPEND parts ${CMAKE_CURRENT_SOURCE_DIR}/${part})
    endforeach()
    list(REMOVE_ITEM sources ${parts})
    add_library(levdyn_${name}_base STATIC ${parts})
    target_include_directories(levdyn_${name}_base PUBLIC ${PROJECT_SOURCE_DIR})
    target_link_libraries(levdyn_${name}_base PUBLIC ${ARG_PART_LIBS} PRIVATE levdyn_warnings)
    add_library(levdyn::${name}_base ALIAS levdyn_${name}_base)
    list(APPEND ARG_LIBS levdyn::${name}_base)
  endif()
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
