// The stages of an ILF round (DESIGN.md §1), each in its own file, each returning its counts.
//   0 train_refiner   π_Refine on human annotations (only when config.refiner.annotations is set)
//   1 sample          n outputs per training task with π_θ             -> samples.jsonl
//   2 execute         check them                                        -> results.jsonl
//   3 feedback        on up to m incorrect outputs per failing task      -> feedback.jsonl
//   4 refine          N refinements per feedback item with π_Refine      -> refinements.jsonl
//   5 select          check the refinements, one correct per task        ->
//   refinement_results.jsonl,
//                                                                           pairs.jsonl
//   6 finetune        π_θ on (task prompt -> selected refinement)        -> finetune/model
//   7 eval_before / eval_after   pass@k on held-out tasks                -> eval-*.jsonl
#pragma once

#include "runner/round/stage.h"
#include "src/lm/train/finetune.h"

namespace ilf::round {

Json StageTrainRefiner(StageContext& ctx);
Json StageSample(StageContext& ctx);
Json StageExecute(StageContext& ctx);
Json StageFeedback(StageContext& ctx);
Json StageRefine(StageContext& ctx);
Json StageSelect(StageContext& ctx);
Json StageFinetune(StageContext& ctx);
Json StageEvalBefore(StageContext& ctx);
Json StageEvalAfter(StageContext& ctx);

// Where stage 0 and stage 6 leave their models (a Hugging Face checkpoint directory).
std::string RefinerModelDir(const std::string& round_dir);
std::string FinetunedModelDir(const std::string& round_dir);
// π_θ after the round: the finetuned model, or the round's policy when nothing was selected.
std::string PolicyAfter(const StageContext& ctx);

// The finetuning of stages 0 and 6: the settings as lm::FinetuneConfig (resuming when `out_dir`
// exists), and the run with the kill point `stage` after its first optimizer step.
lm::FinetuneConfig FinetuneConfigOf(const FinetuneSettings& settings, const std::string& model_dir,
                                    const std::string& data_path, const std::string& out_dir,
                                    const RoundConfig& config);
lm::FinetuneResult FinetuneWithKillPoint(StageContext& ctx, lm::FinetuneConfig config,
                                         const std::string& stage);

}  // namespace ilf::round
