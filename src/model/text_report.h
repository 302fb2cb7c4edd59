// An mtr-report-like text table of one colo's traceroute, for terminals of 80 columns. Pure.
#pragma once

#include <string>
#include <vector>

#include "model/traceroute.h"

namespace colotrace::model {

// `target` is the name as the user gave it; `options` are printed in the heading. A result
// still running (`result.running`: the hops final so far) ends with a "tracing" line instead of
// the summary. A multipath result lists every interface of a hop, then its diamonds and
// whether enumeration completed.
std::string TextReport(const std::string& target, const TraceOptions& options,
                       const ColoResult& result);

// Where the paths of a multipath result split and join: a run of consecutive hops with more
// than one node. `split_ttl` is the last hop before it with one node, silent hops skipped (0:
// none, the run starts at TTL 1 or after silence only), `join_ttl` the first hop after it with
// one node, silent hops skipped (0: none up to the last hop).
struct Diamond {
  int split_ttl = 0;
  std::string split_at;  // that hop's address ("" for TTL 0)
  int join_ttl = 0;
  std::string join_at;
  int first_ttl = 0;  // its first hop
  int width = 0;      // the most nodes at one of its hops
  int length = 0;     // its hops
};
std::vector<Diamond> Diamonds(const ColoResult& result);

// What of `text` a terminal of `rows` x `columns` can show at once, for a live redraw: the
// last whole lines that fit in `rows` - 1 rows (the cursor rests on the row below), a line
// longer than `columns` taking several rows. `rows` is how many rows that text takes.
struct ScreenFit {
  std::string text;
  int rows = 0;
};
ScreenFit FitToScreen(const std::string& text, int rows, int columns);

}  // namespace colotrace::model
