// Text for messages and reports, in one place so that every message formats numbers and lists the same way.
#pragma once

#include <string>
#include <vector>

namespace nb {

// "a, b, c".
std::string join(const std::vector<std::string>& items, const std::string& separator = ", ");

// At most `digits` significant digits, as an iostream prints them ("0.1", "1e+30", "inf", "-inf").
std::string format_significant(double v, int digits);

// The shortest text that reads back as the same double, as the resolved JSON shows it ("-60", not "-60.0").
std::string format_shortest(double v);

}  // namespace nb
