// SymbolMap: the memo in front of the map must answer exactly as the map does, whatever the
// symbols' lengths and however many share a memo slot.
#include "service/venues/symbol_map.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

namespace levdyn::venues {
namespace {

// Verifies lookups through the memo give the map's value (by address) for every symbol and
// nothing for symbols that are not there: lengths 0 to 40 (past the memo's 32 bytes), symbols
// that differ only in one middle byte (the memo hashes the first and last eight), and values
// changed through a found pointer.
TEST(SymbolMap, MemoAnswersAsTheMap) {
  std::mt19937_64 rng(3);
  SymbolMap<int> map;
  std::map<std::string, int> reference;
  std::vector<std::string> present, absent;
  const std::string base = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcd";
  for (std::size_t len = 0; len <= base.size(); ++len) {
    for (int variant = 0; variant < 6; ++variant) {
      std::string s = base.substr(0, len);
      if (len > 0) s[len / 2] = static_cast<char>('a' + variant);  // a middle byte differs
      if (variant % 2 == 1) {
        absent.push_back(s);
        continue;
      }
      if (reference.count(s) != 0) continue;
      const int value = static_cast<int>(rng() % 1000);
      const auto [kept, added] = map.emplace(s, value);
      ASSERT_TRUE(added);
      ASSERT_EQ(*kept, value);
      reference[s] = value;
      present.push_back(s);
    }
  }
  std::erase_if(absent, [&](const std::string& s) { return reference.count(s) != 0; });
  ASSERT_EQ(map.size(), reference.size());
  EXPECT_FALSE(map.emplace(present.front(), -1).second);  // there already: kept as it was
  for (int round = 0; round < 20000; ++round) {
    if (rng() % 3 == 0) {
      const std::string& s = absent[rng() % absent.size()];
      ASSERT_EQ(map.find(s), nullptr) << s;
      continue;
    }
    const std::string& s = present[rng() % present.size()];
    int* const found = map.find(s);
    ASSERT_NE(found, nullptr) << s;
    ASSERT_EQ(*found, reference[s]) << s;
    ASSERT_EQ(found, static_cast<const SymbolMap<int>&>(map).find(s)) << s;  // the map's own
    if (rng() % 5 == 0) reference[s] = ++*found;
  }
  for (const std::string& s : present) EXPECT_TRUE(map.contains(s));
  for (const std::string& s : absent) EXPECT_FALSE(map.contains(s));
}

}  // namespace
}  // namespace levdyn::venues
