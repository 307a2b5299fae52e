import { buildApp } from './app.ts';

/** Offline synthesis (no AWS credentials, no Docker): writes cdk.out/ and fails on unsuppressed cdk-nag findings. */
const assembly = buildApp(process.env.CDK_OUTDIR ?? 'cdk.out').app.synth();
const errors = assembly.stacks.flatMap((s) =>
  s.messages.filter((m) => m.level === 'error').map((m) => `${m.id}: ${String(m.entry.data)}`),
);
if (errors.length > 0) {
  console.error(`cdk-nag / synthesis errors:\n${errors.join('\n')}`);
  process.exit(1);
}
for (const s of assembly.stacks) console.log(`synthesized ${s.stackName} -> ${s.templateFullPath}`);
