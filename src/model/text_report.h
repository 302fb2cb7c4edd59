// An mtr-report-like text table of one colo's traceroute, for terminals of 80 columns. Pure.
#pragma once

#include <string>

#include "model/traceroute.h"

namespace colotrace::model {

// `target` is the name as the user gave it; `options` are printed in the heading. A result
// still running (`result.running`: the hops final so far) ends with a "tracing" line instead of
// the summary.
std::string TextReport(const std::string& target, const TraceOptions& options,
                       const ColoResult& result);

// What of `text` a terminal of `rows` x `columns` can show at once, for a live redraw: the
// last whole lines that fit in `rows` - 1 rows (the cursor rests on the row below), a line
// longer than `columns` taking several rows. `rows` is how many rows that text takes.
struct ScreenFit {
  std::string text;
  int rows = 0;
};
ScreenFit FitToScreen(const std::string& text, int rows, int columns);

}  // namespace colotrace::model
