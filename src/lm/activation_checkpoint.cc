#include "src/lm/activation_checkpoint.h"

#include <torch/autograd.h>
#include <torch/custom_class.h>

#include "src/lm/torch_compat.h"

namespace ilf::lm {
namespace {

// What backward needs besides the saved input: the layer and the forward's autocast state.
struct LayerHolder : torch::CustomClassHolder {
  LayerFn fn;
  compat::AutocastState autocast;
  bool input_requires_grad = false;
};

class CheckpointFunction : public torch::autograd::Function<CheckpointFunction> {
 public:
  // `anchor` is an empty tensor that requires grad, so backward runs even when x does not require
  // grad (the first layer of a LoRA model, whose embedding is frozen).
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& anchor,
                               c10::intrusive_ptr<LayerHolder> holder) {
    ctx->save_for_backward({x});
    torch::Tensor y;
    {
      torch::NoGradGuard no_grad;
      y = holder->fn(x);
    }
    ctx->saved_data["layer"] = c10::IValue::make_capsule(std::move(holder));
    return y;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    auto holder =
        c10::static_intrusive_pointer_cast<LayerHolder>(ctx->saved_data["layer"].toCapsule());
    torch::Tensor x = ctx->get_saved_variables()[0].detach().requires_grad_(true);
    torch::Tensor y;
    {
      torch::AutoGradMode grad_mode(true);
      compat::AutocastState previous = compat::GetCudaAutocast();
      compat::SetCudaAutocast(holder->autocast);
      y = holder->fn(x);
      compat::SetCudaAutocast(previous);
    }
    torch::autograd::backward({y}, {grad_outputs[0]});
    torch::Tensor x_grad = holder->input_requires_grad ? x.grad() : torch::Tensor();
    return {x_grad, torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor CheckpointLayer(LayerFn fn, const torch::Tensor& x) {
  if (!torch::GradMode::is_enabled()) return fn(x);
  auto holder = c10::make_intrusive<LayerHolder>();
  holder->fn = std::move(fn);
  holder->autocast = compat::GetCudaAutocast();
  holder->input_requires_grad = x.requires_grad();
  torch::Tensor anchor = torch::empty({0}, x.options()).requires_grad_(true);
  return CheckpointFunction::apply(x, anchor, std::move(holder));
}

}  // namespace ilf::lm
