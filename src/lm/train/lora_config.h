// LoraConfig: the LoRA settings of finetuning, torch-free so that code outside src/lm can fill a
// FinetuneConfig (src/lm/train/finetune.h) without including LibTorch.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ilf::lm {

struct LoraConfig {
  int64_t rank = 0;     // adapter rank r; 0 = full finetuning (no LoRA)
  double alpha = 16.0;  // scale numerator: the update is (alpha / rank) · B A
  std::vector<std::string> target_modules = {"q_proj", "v_proj"};  // last name component to adapt
  double dropout = 0.0;  // lora_dropout on the branch input, in [0, 1); 0 = none (PEFT's default)
};

}  // namespace ilf::lm
