// Private: rewrites of the parsed ONNX graph that loading makes before its
// layer graph is built: graph inputs bound to values become initializers, and
// If nodes whose condition is known at load time are replaced by the branch
// they take. Both act on the model the loader owns; neither is thread-safe.
#pragma once

#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include <onnx/onnx_pb.h>

#include "loader/value_inference.h"

namespace dnnpart {

// Turns each graph input named in `values` (--input-value) into an
// initializer of the input's declared element type and static shape, and
// removes it from the graph inputs. Throws Error naming the input when it
// does not exist, is not a static tensor, or the values do not fit it (count,
// integrality, range of the element type).
void BindInputValues(onnx::GraphProto& graph, const std::map<std::string, std::vector<double>>& values);

// Replaces every top-level If whose condition `values` know by the nodes of
// the branch it takes. A condition computed from bounded sizes (from_bound)
// counts as known: the branch the bounds select is the one planned, with a
// warning, and what it computes from bounded tensors stays marked bounded.
// The branch's nodes keep their names; its outputs take the If's output
// names (an Identity forwards a value the branch only passes through), and
// its initializers and value_info move into the graph. `index` and `values` describe `graph` before the change and are
// stale after it. Returns how many If nodes were replaced; throws Error when
// a branch defines a name the graph already uses.
int InlineKnownIfs(onnx::GraphProto& graph, const NameIndex& index, const std::vector<ValueInfo>& values);

// Renames every use of the names in `renames` inside `graph`, its nodes and
// their subgraphs: node inputs and outputs, value_info, graph outputs.
void RenameValues(onnx::GraphProto& graph, const std::unordered_map<std::string, std::string>& renames);

// Replaces every top-level Loop that carries a sequence (torch exports
// `torch.split` into a list this way; a sequence has no tensor shape), has a
// known trip count (1 to 256, at most 20,000 copied nodes) and a condition
// that cannot end it early, by that many
// copies of its body, in order: body values are renamed `<name>@<k>` and
// node names get `@<k>`, the iteration number and condition become
// constants, the carried values are threaded from copy to copy and the last
// copy produces the Loop's outputs (scan outputs are stacked with Unsqueeze
// and Concat). Returns how many Loops were replaced. `index` and `values`
// are stale afterwards.
// Needs opset >= 13 (Unsqueeze with axes as an input).
int UnrollKnownLoops(onnx::GraphProto& graph, const NameIndex& index, const std::vector<ValueInfo>& values,
                     int64_t opset);

// Replaces sequence values whose contents are known at load time by the
// tensors they hold: SequenceEmpty, SequenceConstruct and SequenceInsert
// build a list; SequenceAt with a known position becomes a use of that
// tensor, SequenceLength a constant, ConcatFromSequence a Concat. Sequence
// nodes whose results nothing else reads are removed. Returns how many nodes
// were rewritten or removed (0: nothing changed).
int EliminateKnownSequences(onnx::GraphProto& graph, const NameIndex& index, const std::vector<ValueInfo>& values);

}  // namespace dnnpart
