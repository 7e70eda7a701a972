#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <marshal.h>

#include "sandbox/zygote.h"

#include <unistd.h>

#include "sandbox/harness_py.h"   // kHarnessSource: sandbox/harness_codec.py + harness.py
#include "sandbox/harness_pyc.h"  // kHarnessCode: the same, compiled at build time
#include "src/core/error.h"

namespace ilf::sandbox {
namespace {

// Modules every child finds already imported (commonly used by MBPP/HumanEval programs and tests).
constexpr const char* kPreload[] = {
    "math",        "cmath",     "re",         "collections", "collections.abc",
    "itertools",   "functools", "heapq",      "bisect",      "string",
    "operator",    "copy",      "array",      "datetime",    "decimal",
    "fractions",   "random",    "statistics", "typing",      "dataclasses",
    "json",        "struct",    "time",       "hashlib",     "textwrap",
    "unicodedata", "numbers",   "enum",       "abc",         "io",
    "traceback",
};

std::string PythonErrorText() {
  PyObject *type, *value, *traceback;
  PyErr_Fetch(&type, &value, &traceback);
  std::string text = "unknown Python error";
  if (value != nullptr) {
    if (PyObject* str = PyObject_Str(value)) {
      if (const char* utf8 = PyUnicode_AsUTF8(str)) text = utf8;
      Py_DECREF(str);
    }
  }
  Py_XDECREF(type);
  Py_XDECREF(value);
  Py_XDECREF(traceback);
  return text;
}

[[noreturn]] void Finish(PyObject* result) {
  // The harness entry points end with os._exit; reaching here means the harness itself failed.
  if (result == nullptr) PyErr_Print();
  _exit(120);
}

}  // namespace

Zygote::Zygote(const std::string& python, const std::vector<std::string>& extra_preload) {
  arenas_.Install();
  PyConfig config;
  PyConfig_InitIsolatedConfig(&config);
  config.site_import = 0;
  config.user_site_directory = 0;
  config.install_signal_handlers = 0;
  config.write_bytecode = 0;
  config.buffered_stdio = 1;
  PyStatus status = PyConfig_SetBytesString(&config, &config.program_name, python.c_str());
  if (!PyStatus_Exception(status)) status = Py_InitializeFromConfig(&config);
  PyConfig_Clear(&config);
  if (PyStatus_Exception(status)) {
    throw EnvironmentError("python: cannot initialise the embedded interpreter for '" + python +
                           "': " + (status.err_msg ? status.err_msg : "?") +
                           " (hint: install python3 and libpython3.11, or pass --python)");
  }
  PyObject* module = PyImport_AddModule("_ilf_harness");  // borrowed
  PyObject* globals = module ? PyModule_GetDict(module) : nullptr;
  // The harness reads builtins from its own copy: a program that rebinds builtins.len or
  // builtins.list in U must not break the harness that serves it.
  PyObject* own_builtins = globals ? PyDict_Copy(PyEval_GetBuiltins()) : nullptr;
  if (own_builtins == nullptr || PyDict_SetItemString(globals, "__builtins__", own_builtins) != 0) {
    throw EnvironmentError("python: cannot set up the harness module: " + PythonErrorText());
  }
  Py_DECREF(own_builtins);
  // The bytecode compiled at build time when this interpreter reads it (same magic number), else
  // the source: compiling it here costs ~15 ms of every helper's start.
  PyObject* code = nullptr;
  if (PyImport_GetMagicNumber() == kHarnessMagic) {
    code = PyMarshal_ReadObjectFromString(reinterpret_cast<const char*>(kHarnessCode),
                                          sizeof kHarnessCode);
    if (code == nullptr) PyErr_Clear();
  }
  if (code == nullptr) {
    code = Py_CompileString(kHarnessSource, "sandbox/harness_codec.py+harness.py", Py_file_input);
  }
  PyObject* ran = code && globals ? PyEval_EvalCode(code, globals, globals) : nullptr;
  Py_XDECREF(code);
  if (ran == nullptr)
    throw EnvironmentError("python: the sandbox harness failed to load: " + PythonErrorText());
  Py_DECREF(ran);
  Py_INCREF(module);
  harness_ = module;

  PyObject* preload = PyList_New(0);
  std::vector<std::string> names(std::begin(kPreload), std::end(kPreload));
  names.insert(names.end(), extra_preload.begin(), extra_preload.end());
  for (const std::string& name : names) {
    PyObject* item = PyUnicode_FromString(name.c_str());
    PyList_Append(preload, item);
    Py_DECREF(item);
  }
  PyObject* result = PyObject_CallMethod(module, "zygote_init", "O", preload);
  Py_DECREF(preload);
  if (result == nullptr) throw EnvironmentError("python: zygote_init failed: " + PythonErrorText());
  Py_DECREF(result);
  PyObject* sys_path = PySys_GetObject("path");  // borrowed
  for (Py_ssize_t i = 0; sys_path && i < PyList_Size(sys_path); ++i) {
    const char* path = PyUnicode_AsUTF8(PyList_GetItem(sys_path, i));
    if (path != nullptr && *path != '\0') python_paths_.push_back(path);
  }
  PyErr_Clear();
  huge_page_bytes_ = arenas_.Collapse();
}

Zygote::~Zygote() {
  Py_XDECREF(static_cast<PyObject*>(harness_));
  // No Py_Finalize: the helper exits right after, and finalising can run arbitrary __del__s.
}

void Zygote::BeforeFork() { PyOS_BeforeFork(); }
void Zygote::AfterForkParent() { PyOS_AfterFork_Parent(); }
void Zygote::AfterForkChild() {
  arenas_.AfterFork();
  PyOS_AfterFork_Child();
}

void Zygote::RunUntrusted(int program_fd, int req_fd, int resp_fd) {
  Finish(PyObject_CallMethod(static_cast<PyObject*>(harness_), "run_untrusted", "iii", program_fd,
                             req_fd, resp_fd));
}

void Zygote::RunEvaluatorLoop(int control_fd, int result_fd) {
  Finish(PyObject_CallMethod(static_cast<PyObject*>(harness_), "run_evaluator_loop", "ii",
                             control_fd, result_fd));
}

}  // namespace ilf::sandbox
