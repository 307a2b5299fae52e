/**
 * The events catalogue (docs/events.md) is what the zod schemas of shared/workflow/events.ts give: it
 * fails when someone changes a schema without regenerating it (npx tsx scripts/events-catalog.ts).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WORKFLOW_EVENTS } from '#shared/workflow/events.ts';
import { CATALOG_PATH, renderEventsCatalog } from '../../scripts/events-catalog.ts';

describe('the events catalogue', () => {
  it('is up to date with the schemas (regenerate with npx tsx scripts/events-catalog.ts)', () => {
    expect(readFileSync(CATALOG_PATH, 'utf8')).toBe(renderEventsCatalog());
  });

  it('has a section, a version and the detail fields of every workflow event', () => {
    const text = renderEventsCatalog();
    for (const [name, schema] of Object.entries(WORKFLOW_EVENTS)) {
      expect(text).toContain(`\n## ${name}\n`);
      expect(text).toContain(`\`detail-type\`: \`${name}\` · \`detailVersion\`: 1`);
      for (const field of Object.keys(schema.shape)) expect(text).toContain(`| \`${field}\` |`);
    }
  });

  it('versions every detail: a publisher that omits detailVersion sends version 1, another version is refused', () => {
    for (const schema of Object.values(WORKFLOW_EVENTS)) {
      expect(schema.shape.detailVersion.parse(undefined)).toBe(1);
      expect(schema.shape.detailVersion.safeParse(2).success).toBe(false);
    }
  });
});
