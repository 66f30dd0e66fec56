import { httpEnv, stackEnv } from '@backbone/config';
import type { z } from 'zod';

export const ingestApiEnv = stackEnv.extend(httpEnv(3000).shape);
export type IngestApiConfig = z.infer<typeof ingestApiEnv>;
