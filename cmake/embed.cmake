# keydesk_embed_text(OUT_CPP SYMBOL FILE): generates OUT_CPP defining
#   extern const char SYMBOL[]
# with FILE's bytes and a closing NUL, so the binary validates with exactly the schema the
# repository ships.
function(keydesk_embed_text out_cpp symbol file)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${file})
  file(READ ${file} content HEX)
  # Character literals ('\xe7'), so the text is a C string its readers use as it is.
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${content}")
  file(WRITE ${out_cpp}.tmp
    "// Generated from ${file} by cmake/embed.cmake; do not edit.\n"
    "namespace keydesk::embedded {\nextern const char ${symbol}[];\n"
    "const char ${symbol}[] = {${bytes} 0};\n}\n")
  file(COPY_FILE ${out_cpp}.tmp ${out_cpp} ONLY_IF_DIFFERENT)
endfunction()
