// Refuses, on load, a TypeScript the transformer cannot run under, with what to install instead: without it a
// TypeScript 7 build dies deep inside the compiler ("Cannot read properties of undefined").
import ts from 'typescript';
import { typescriptVerdict } from './toolchain';

const verdict = typescriptVerdict(ts?.version);
if (!verdict.ok) throw new Error(`[dataclay] ${verdict.message}`);
if (verdict.message) console.warn(`[dataclay] ${verdict.message}`);
