// Reads the binding's array arguments: vectors as a number[] or a Float32Array (used in place, no copy), ids as a
// number[], a BigInt64Array or any integer typed array. Each reader throws a JS error (via ArgError) on bad input.
#pragma once
#include <napi.h>
#include <faiss/Index.h>
#include <cmath>
#include <string>
#include <vector>

namespace args
{
  using idx_t = faiss::Index::idx_t;

  /** Thrown by a reader; the caller turns it into a JS TypeError/Error before any FAISS call. */
  struct ArgError
  {
    std::string message;
    bool type;
  };

  /** A float matrix of n rows of d: `data` points into a Float32Array or into `owned`. */
  struct Floats
  {
    std::vector<float> owned;
    const float *data = nullptr;
    size_t length = 0;
  };

  inline Floats floats(const Napi::Value &v, size_t d, const char *what)
  {
    Floats out;
    if (v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_float32_array)
    {
      auto a = v.As<Napi::Float32Array>();
      out.data = a.Data();
      out.length = a.ElementLength();
    }
    else if (v.IsArray())
    {
      auto arr = v.As<Napi::Array>();
      out.length = arr.Length();
      out.owned.resize(out.length);
      for (size_t i = 0; i < out.length; i++)
      {
        Napi::Value x = arr[i];
        if (!x.IsNumber()) throw ArgError{"Expected a Number as array item. (at: " + std::to_string(i) + ")", false};
        out.owned[i] = x.As<Napi::Number>().FloatValue();
      }
      out.data = out.owned.data();
    }
    else
    {
      throw ArgError{std::string("Invalid the ") + what + " argument type, must be an Array or a Float32Array.", true};
    }
    if (d == 0 || out.length % d != 0) throw ArgError{"Invalid the given array length.", false};
    return out;
  }

  /** Copies a Floats into its own storage (for work that outlives the JS call). */
  inline std::vector<float> copy(const Floats &f)
  {
    return f.owned.empty() ? std::vector<float>(f.data, f.data + f.length) : f.owned;
  }

  inline idx_t integer(double x, size_t i)
  {
    if (!std::isfinite(x) || std::floor(x) != x || std::fabs(x) > 9007199254740991.0)
      throw ArgError{"Expected an integer id. (at: " + std::to_string(i) + ")", false};
    return static_cast<idx_t>(x);
  }

  inline std::vector<idx_t> ids(const Napi::Value &v, const char *what)
  {
    std::vector<idx_t> out;
    if (v.IsTypedArray())
    {
      auto t = v.As<Napi::TypedArray>();
      size_t n = t.ElementLength();
      out.resize(n);
      switch (t.TypedArrayType())
      {
      case napi_bigint64_array:
      {
        auto a = v.As<Napi::TypedArrayOf<int64_t>>();
        for (size_t i = 0; i < n; i++) out[i] = a[i];
        break;
      }
      case napi_int32_array:
      {
        auto a = v.As<Napi::Int32Array>();
        for (size_t i = 0; i < n; i++) out[i] = a[i];
        break;
      }
      case napi_uint32_array:
      {
        auto a = v.As<Napi::Uint32Array>();
        for (size_t i = 0; i < n; i++) out[i] = a[i];
        break;
      }
      case napi_float64_array:
      {
        auto a = v.As<Napi::Float64Array>();
        for (size_t i = 0; i < n; i++) out[i] = integer(a[i], i);
        break;
      }
      default:
        throw ArgError{std::string("Invalid the ") + what + " argument type, ids must be integers.", true};
      }
      return out;
    }
    if (!v.IsArray()) throw ArgError{std::string("Invalid the ") + what + " argument type, must be an Array or a typed array.", true};
    auto arr = v.As<Napi::Array>();
    out.resize(arr.Length());
    for (size_t i = 0; i < out.size(); i++)
    {
      Napi::Value x = arr[i];
      if (x.IsBigInt())
      {
        bool lossless = true;
        out[i] = x.As<Napi::BigInt>().Int64Value(&lossless);
        if (!lossless) throw ArgError{"Expected a 64-bit id. (at: " + std::to_string(i) + ")", false};
      }
      else if (x.IsNumber())
        out[i] = integer(x.As<Napi::Number>().DoubleValue(), i);
      else
        throw ArgError{"Expected a Number as array item. (at: " + std::to_string(i) + ")", false};
    }
    return out;
  }

  /** Throws the ArgError into JS. */
  inline void raise(Napi::Env env, const ArgError &e)
  {
    if (e.type) Napi::TypeError::New(env, e.message).ThrowAsJavaScriptException();
    else Napi::Error::New(env, e.message).ThrowAsJavaScriptException();
  }
} // namespace args
