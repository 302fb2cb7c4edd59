// An mtr-report-like text table of one colo's traceroute, for terminals of 80 columns. Pure.
#pragma once

#include <string>

#include "model/traceroute.h"

namespace colotrace::model {

// `target` is the name as the user gave it; `options` are printed in the heading.
std::string TextReport(const std::string& target, const TraceOptions& options,
                       const ColoResult& result);

}  // namespace colotrace::model
