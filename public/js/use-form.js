// One hook for a form: its values, the inline errors by field, the form-level error, the
// saving flag, the props that tie a <Field> to a value, and a submit handler that checks the
// values, saves them and shows what the server refused next to its field.
import { useRef, useState } from './preact.js';

/** The messages of `error` (an `ApiError`) for the fields in `names`, by field. */
export function fieldErrorsFor(error, names) {
  const byField = error.fieldErrors ? error.fieldErrors() : {};
  const out = {};
  for (const name of names) if (byField[name]) out[name] = byField[name];
  return out;
}

/**
 * `formError`, when set, is `{ error, details? }` for <FormError>: `error` has the `message`
 * (and `requestId`) to show, `details` are more lines under it.
 */
export function useForm(initial) {
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState({});
  const [formError, setFormError] = useState(null);
  const [saving, setSaving] = useState(false);
  const formRef = useRef(null);

  /** After the coming render, focuses `selector` in the form, by default the first invalid
   *  control or else the form error. */
  const focus = (selector) =>
    setTimeout(() => {
      const form = formRef.current;
      if (!form) return;
      const target = selector
        ? form.querySelector(selector)
        : form.querySelector('[aria-invalid="true"]') || form.querySelector('.form-error');
      target?.focus();
    }, 0);

  /** Sets one value and clears that field's error. */
  const setValue = (name, value) => {
    setValues((v) => ({ ...v, [name]: value }));
    if (errors[name]) setErrors((er) => ({ ...er, [name]: undefined }));
  };
  const onInput = (name) => (e) => setValue(name, e.currentTarget.value);

  /** The props of a <Field> for `name`: its value, its errors, typing, disabled while saving. */
  const field = (name) => ({ name, value: values[name], error: errors[name], onInput: onInput(name), disabled: saving });

  /**
   * The form's onSubmit. `validate(values)` returns the client-side errors by field; with none,
   * `save(values)` runs while `saving` is set. When it throws, `fail(error)` may handle the error
   * itself (returning true); otherwise `explain(error)` says which messages go next to their
   * fields (`inline`) and which under the form error (`details`); by default the server's
   * errors for `fields` go inline, and the form error shows when nothing does.
   */
  const submit =
    ({ validate = () => ({}), save, fields = Object.keys(initial), explain, fail }) =>
    async (e) => {
      e.preventDefault();
      if (saving) return;
      const clientErrors = validate(values);
      setFormError(null);
      setErrors(clientErrors);
      if (Object.keys(clientErrors).length) {
        focus();
        return;
      }
      setSaving(true);
      try {
        await save(values);
      } catch (error) {
        if (fail && fail(error)) return;
        const { inline, details = [] } = explain ? explain(error) : { inline: fieldErrorsFor(error, fields) };
        setErrors(inline);
        if (details.length || !Object.keys(inline).length) setFormError({ error, details });
        focus();
      } finally {
        setSaving(false);
      }
    };

  return { values, setValues, errors, setErrors, formError, setFormError, saving, formRef, focus, setValue, onInput, field, submit };
}
