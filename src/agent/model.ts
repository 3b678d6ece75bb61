/**
 * The chat model and the agent's limits from the frozen Config. Any OpenAI-compatible endpoint (OpenAI, vLLM,
 * Ollama, LiteLLM) through @langchain/openai's ChatOpenAI: configuration.baseURL = OPENAI_BASE_URL, apiKey =
 * OPENAI_API_KEY (a placeholder for local endpoints that need none), model = OPENAI_MODEL, a timeout per call,
 * bounded retries on 429 / 5xx / timeouts (LangChain's caller: exponential backoff, Retry-After honoured), a
 * token cap per call and JSON mode.
 *
 * No model configured (OPENAI_MODEL unset, or neither OPENAI_BASE_URL nor OPENAI_API_KEY set): modelFromConfig
 * returns undefined and the deterministic narrator writes every reply.
 */
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { ChatOpenAI } from '@langchain/openai';
import type { Config } from '../config/schema.js';

export interface AgentLimits {
  /** Most model calls for one reply or answer (draft, tool rounds, repair). */
  readonly maxModelCalls: number;
  /** Most evidence tool calls the model may make for one reply. */
  readonly maxToolCalls: number;
  /** Most rows one tool call may ask of one provider. */
  readonly maxToolRows: number;
  /** Characters of prefetched evidence put in the prompt. */
  readonly maxEvidenceChars: number;
  /** Sentences kept from a model answer (the rest are dropped unread). */
  readonly maxSentences: number;
  /** Redact IP addresses too. */
  readonly scrubIpAddresses: boolean;
}

export const DEFAULT_LIMITS: AgentLimits = Object.freeze({
  maxModelCalls: 6,
  maxToolCalls: 4,
  maxToolRows: 100,
  maxEvidenceChars: 12_000,
  maxSentences: 24,
  scrubIpAddresses: false,
});

export function limitsFromConfig(config: Config): AgentLimits {
  return Object.freeze({
    ...DEFAULT_LIMITS,
    maxModelCalls: config.AGENT_MAX_MODEL_CALLS,
    maxToolCalls: config.AGENT_MAX_TOOL_CALLS,
    maxToolRows: config.AGENT_MAX_TOOL_ROWS,
    scrubIpAddresses: config.SCRUB_IP_ADDRESSES,
  });
}

/** Is a model configured? */
function modelConfigured(config: Config): boolean {
  return (
    config.OPENAI_MODEL !== undefined && (config.OPENAI_BASE_URL !== undefined || config.OPENAI_API_KEY !== undefined)
  );
}

export interface ChatModelOptions {
  readonly baseURL?: string;
  readonly apiKey?: string;
  readonly model: string;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly maxTokens: number;
  readonly jsonMode: boolean;
}

/** A ChatOpenAI for any OpenAI-compatible endpoint. Never reads the environment. */
export function createChatModel(o: ChatModelOptions): ChatOpenAI {
  return new ChatOpenAI({
    model: o.model,
    // Local endpoints (vLLM, Ollama) accept any key; the client refuses to start without one.
    apiKey: o.apiKey ?? 'not-needed',
    configuration: { ...(o.baseURL ? { baseURL: o.baseURL } : {}) },
    timeout: o.timeoutMs,
    maxRetries: o.maxRetries,
    maxTokens: o.maxTokens,
    temperature: 0,
    streaming: false,
    ...(o.jsonMode ? { modelKwargs: { response_format: { type: 'json_object' } } } : {}),
  });
}

export function modelFromConfig(config: Config): { model: BaseChatModel; name: string } | undefined {
  if (!modelConfigured(config) || config.OPENAI_MODEL === undefined) return undefined;
  const model = createChatModel({
    ...(config.OPENAI_BASE_URL ? { baseURL: config.OPENAI_BASE_URL } : {}),
    ...(config.OPENAI_API_KEY ? { apiKey: config.OPENAI_API_KEY } : {}),
    model: config.OPENAI_MODEL,
    timeoutMs: config.OPENAI_TIMEOUT_MS,
    maxRetries: config.OPENAI_MAX_RETRIES,
    maxTokens: config.OPENAI_MAX_TOKENS,
    jsonMode: config.OPENAI_JSON_MODE,
  });
  return { model, name: config.OPENAI_MODEL };
}
