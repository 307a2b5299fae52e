/**
 * The guided enquiry form: five numbered steps whose fields, controls and bounds come from the API's
 * EnquirySchema (views/enquiry-form.ts). On send, the API's own parser checks every field first; errors
 * are shown by their field in the investor's language and nothing is sent. The request carries an
 * Idempotency-Key bound to the body: a retry after a network error reuses it.
 */
import { createApplication } from '../../../../shared/http/applications.ts';
import { ApiError, NetworkError } from '../../api.ts';
import { h, mount } from '../../dom.ts';
import type { Page } from '../../router.ts';
import {
  checkForm,
  enquiryFields,
  errorText,
  type FieldError,
  type FieldSpec,
  type FormValues,
  fieldOf,
  STEPS,
} from '../../views/enquiry-form.ts';
import { idempotentSubmitter } from '../../views/idempotent.ts';
import { langOf } from './labels.ts';
import { FIELD_LABELS, messages, OPTION_LABELS, STEP_TITLES } from './messages.ts';

const DEFAULTS: FormValues = { 'project.vsic.version': 'VSIC2025', 'investor.country': 'VN' };

export const page: Page = {
  path: '/apply',
  title: (t) => messages(langOf(t)).applyTitle,
  roles: ['investor'],
  nav: { label: (t) => messages(langOf(t)).navApply, order: 30 },
  render(root, ctx) {
    const { lang } = ctx;
    const m = messages(lang);
    ctx.setTitle(m.applyTitle);
    const fields = enquiryFields();
    const spec = new Map(fields.map((f) => [f.path, f]));
    const inputs = new Map<
      string,
      HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement | HTMLElement
    >();
    const errorSlots = new Map<string, HTMLElement>();
    const idOf = (path: string) => `f-${path.replace(/[^A-Za-z0-9]/g, '-')}`;
    const label = (path: string) => FIELD_LABELS[path]?.[lang] ?? path;
    const optionLabel = (o: string) => OPTION_LABELS[o]?.[lang] ?? o;

    function control(f: FieldSpec): HTMLElement {
      const id = idOf(f.path);
      const describedBy = `${id}-error${f.control === 'locations' ? ` ${id}-hint` : ''}`;
      const common = {
        id,
        name: f.path,
        'aria-describedby': describedBy,
        ...(f.required ? { 'aria-required': 'true' } : {}),
      };
      const initial = DEFAULTS[f.path];
      switch (f.control) {
        case 'select': {
          const select = h(
            'select',
            common,
            f.nullable ? h('option', { value: '' }, m.none) : null,
            (f.options ?? []).map((o) => h('option', { value: o }, optionLabel(o))),
          );
          if (typeof initial === 'string') select.value = initial;
          inputs.set(f.path, select);
          return select;
        }
        case 'checkboxes': {
          const group = h(
            'div',
            { role: 'group', id, 'aria-describedby': describedBy, 'aria-labelledby': `${id}-legend` },
            (f.options ?? []).map((o) => {
              const boxId = `${id}-${o}`;
              return h(
                'label',
                { class: 'check', for: boxId },
                h('input', { type: 'checkbox', id: boxId, name: f.path, value: o }),
                ` ${optionLabel(o)}`,
              );
            }),
          );
          inputs.set(f.path, group);
          return group;
        }
        case 'checkbox': {
          const box = h('input', { ...common, type: 'checkbox' });
          inputs.set(f.path, box);
          return box;
        }
        case 'textarea':
        case 'locations': {
          const area = h('textarea', { ...common, rows: f.control === 'locations' ? 3 : 4 });
          inputs.set(f.path, area);
          return area;
        }
        default: {
          const type = f.control === 'number' ? 'text' : f.control;
          const input = h('input', {
            ...common,
            type,
            ...(f.control === 'number' ? { inputmode: f.integer ? 'numeric' : 'decimal' } : {}),
            ...(f.maxLength !== undefined ? { maxlength: f.maxLength } : {}),
            ...(f.control === 'email' ? { autocomplete: 'email' } : {}),
            ...(f.control === 'tel' ? { autocomplete: 'tel' } : {}),
          });
          if (typeof initial === 'string') input.value = initial;
          inputs.set(f.path, input);
          return input;
        }
      }
    }

    function fieldBlock(f: FieldSpec): HTMLElement {
      const id = idOf(f.path);
      const err = h('p', { class: 'field-error', id: `${id}-error` });
      errorSlots.set(f.path, err);
      const star = f.required ? h('span', { 'aria-hidden': 'true' }, ' *') : null;
      if (f.control === 'checkbox') {
        return h(
          'div',
          { class: 'field field-check' },
          h('label', { for: id }, control(f), ` ${label(f.path)}`),
          err,
        );
      }
      if (f.control === 'checkboxes') {
        return h(
          'div',
          { class: 'field' },
          h('span', { class: 'label', id: `${id}-legend` }, label(f.path)),
          control(f),
          err,
        );
      }
      return h(
        'div',
        { class: 'field' },
        h('label', { for: id }, label(f.path), star),
        f.control === 'locations' ? h('p', { class: 'muted', id: `${id}-hint` }, m.hintLocations) : null,
        control(f),
        err,
      );
    }

    function values(): FormValues {
      const out: FormValues = {};
      for (const f of fields) {
        const el = inputs.get(f.path);
        if (!el) continue;
        if (f.control === 'checkboxes') {
          out[f.path] = [...el.querySelectorAll<HTMLInputElement>('input:checked')].map((b) => b.value);
        } else if (f.control === 'checkbox') out[f.path] = (el as HTMLInputElement).checked;
        else out[f.path] = (el as HTMLInputElement).value;
      }
      return out;
    }

    const summary = h('div', { class: 'form-status', role: 'alert', 'aria-live': 'assertive' });
    const sendButton = h('button', { type: 'submit', class: 'button' }, m.submit);

    function showErrors(byField: Record<string, FieldError[]>, unplaced: string[]): void {
      for (const [path, slot] of errorSlots) {
        const errors = byField[path] ?? [];
        slot.textContent = errors.map((e) => errorText(spec.get(path), e, lang)).join(' ');
        const el = inputs.get(path);
        if (errors.length) el?.setAttribute('aria-invalid', 'true');
        else el?.removeAttribute('aria-invalid');
      }
      const paths = fields.map((f) => f.path).filter((p) => byField[p]?.length);
      if (paths.length === 0 && unplaced.length === 0) {
        summary.replaceChildren();
        return;
      }
      summary.replaceChildren(
        h('p', null, m.errorsSummary.replace('{n}', String(paths.length + unplaced.length))),
        h(
          'ul',
          null,
          paths.map((p) => h('li', null, h('a', { href: `#${idOf(p)}`, onclick: focusField(p) }, label(p)))),
          unplaced.map((u) => h('li', null, u)),
        ),
      );
      const first = paths[0];
      if (first) focusOn(first);
    }

    function focusOn(path: string) {
      const el = inputs.get(path);
      const target = el?.matches('div') ? el.querySelector<HTMLElement>('input') : el;
      target?.focus();
    }
    const focusField = (path: string) => (event: Event) => {
      event.preventDefault();
      focusOn(path);
    };

    const submitter = idempotentSubmitter(
      (body, key) =>
        ctx.api.call(createApplication, {
          body: body as never,
          headers: { 'idempotency-key': key },
          signal: ctx.signal,
        }),
      () => crypto.randomUUID(),
    );

    async function onSubmit(event: Event) {
      event.preventDefault();
      const checked = checkForm(fields, values());
      if (!checked.ok) {
        showErrors(
          checked.byField,
          checked.unplaced.map((u) => `${u.path}: ${u.message}`),
        );
        return;
      }
      showErrors({}, []);
      sendButton.disabled = true;
      sendButton.textContent = m.sending;
      try {
        const accepted = await submitter.submit(checked.enquiry);
        ctx.navigate(`/applications/${encodeURIComponent(accepted.id)}`);
      } catch (error) {
        if (error instanceof NetworkError) {
          summary.replaceChildren(h('p', null, m.networkRetry));
        } else if (error instanceof ApiError && error.status === 400 && error.fieldErrors.length) {
          const byField: Record<string, FieldError[]> = {};
          const unplaced: string[] = [];
          for (const e of error.fieldErrors) {
            const path = fieldOf(fields, e.path);
            if (path) byField[path] = [...(byField[path] ?? []), { rule: e.rule, message: e.message }];
            else unplaced.push(`${e.path}: ${e.message}`);
          }
          showErrors(byField, unplaced);
        } else throw error;
      } finally {
        sendButton.disabled = false;
        sendButton.textContent = m.submit;
      }
    }

    const form = h(
      'form',
      {
        class: 'card form enquiry-form',
        novalidate: true,
        onsubmit: onSubmit,
        'aria-describedby': 'apply-intro',
      },
      summary,
      STEPS.map((step, i) =>
        h(
          'fieldset',
          { class: 'step' },
          h('legend', null, `${i + 1}/${STEPS.length}. ${STEP_TITLES[step][lang]}`),
          step === 'investor' ? h('p', { class: 'muted' }, m.hintIdentity) : null,
          fields.filter((f) => f.step === step).map(fieldBlock),
        ),
      ),
      h('p', { class: 'actions' }, sendButton),
    );
    mount(root, h('p', { id: 'apply-intro' }, m.applyIntro), form);
  },
};
