// The kit taskcal hands every provider module it loads (ProviderKit): its zod,
// its error classes and defineProvider, so a module outside this repository
// needs taskcal only for types.
import type { z } from "zod";
import { defineProvider, PROVIDER_API_VERSION, type ProviderKit, ProviderSetupError } from "./provider.js";
import {
  AdapterError,
  AlreadyExists,
  AuthRevoked,
  NotFound,
  Permanent,
  PermissionDenied,
  PreconditionFailed,
  RateLimited,
  SyncTokenExpired,
  Transient,
} from "./types.js";

export const providerErrors = {
  AdapterError,
  RateLimited,
  Transient,
  AuthRevoked,
  SyncTokenExpired,
  PreconditionFailed,
  NotFound,
  AlreadyExists,
  PermissionDenied,
  Permanent,
  ProviderSetupError,
} as const;

export function providerKit(zod: typeof z): ProviderKit {
  return { apiVersion: PROVIDER_API_VERSION, z: zod, errors: providerErrors, defineProvider };
}
