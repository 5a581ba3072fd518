// The one translation unit that compiles Boost.Asio, Asio SSL and Beast implementations
// (BOOST_*_SEPARATE_COMPILATION), so every other file only includes declarations.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
