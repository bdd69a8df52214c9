/* Accessibility repairs for Dash 4's own components (axe-core finds these on every page):
   - the date picker's wrapper <div> carries aria-expanded/aria-haspopup (allowed only on
     widgets): they are dropped, the input inside is the control, labelled by our <label>;
     its calendar dialog and year box get names;
   - the dropdown's focus target is focusable yet aria-hidden: it is named (by our <label>, or
     "Month" and so on inside a calendar) and made a combobox instead of hidden;
   - radio items and checklists are a listbox of options each holding a radio or checkbox
     input (interactive controls nested, a listbox with no name): the roles are dropped,
     leaving native inputs, named by their labels and the fieldset's legend around them;
   - a date picker's clear link (<a> without href, with aria-label) is given the button role.
   Each change is made only when needed, so the observer settles. */
(function () {
    function set(el, name, value) {
        if (el.getAttribute(name) !== value) { el.setAttribute(name, value); }
    }
    function drop(el, name) {
        if (el.hasAttribute(name)) { el.removeAttribute(name); }
    }
    function labelFor(id) {
        if (!id) { return null; }
        const label = document.querySelector('label[for="' + CSS.escape(id) + '"]');
        return label ? label.textContent.trim() : null;
    }
    function repair() {
        document.querySelectorAll('.dash-datepicker-input-wrapper').forEach(function (w) {
            ['aria-expanded', 'aria-haspopup', 'aria-disabled', 'type'].forEach(function (a) {
                drop(w, a);
            });
        });
        document.querySelectorAll('.dash-datepicker-content[role="dialog"]').forEach(function (d) {
            if (!d.hasAttribute('aria-labelledby')) { set(d, 'aria-label', 'Calendar'); }
            d.querySelectorAll('input[type="number"]').forEach(function (i) {
                set(i, 'aria-label', 'Year');
            });
        });
        document.querySelectorAll('.dash-dropdown-focus-target').forEach(function (f) {
            const button = f.parentElement && f.parentElement.querySelector('button.dash-dropdown');
            const inCalendar = f.closest('.dash-datepicker-content');
            const name = (button && labelFor(button.id)) || (inCalendar ? 'Month' : 'Choose');
            drop(f, 'aria-hidden');
            set(f, 'role', 'combobox');
            set(f, 'aria-label', name);
            set(f, 'aria-expanded', (button && button.getAttribute('aria-expanded')) || 'false');
        });
        // Only radio items and checklists: a dropdown's list is a real listbox of options.
        const lists = '.dash-radioitems[role="listbox"], .dash-checklist[role="listbox"]';
        document.querySelectorAll(lists).forEach(function (list) {
            if (!list.querySelector('input[type="radio"], input[type="checkbox"]')) { return; }
            drop(list, 'role');
            list.querySelectorAll('[role="option"]').forEach(function (o) {
                drop(o, 'role');
                drop(o, 'aria-selected');
            });
        });
        document.querySelectorAll('.dash-datepicker-clear').forEach(function (a) {
            set(a, 'role', 'button');  // an <a> without href may not carry aria-label
        });
    }
    let queued = false;
    new MutationObserver(function () {
        if (!queued) {
            queued = true;
            window.requestAnimationFrame(function () { queued = false; repair(); });
        }
    }).observe(document.documentElement, {subtree: true, childList: true, attributes: true});
    document.addEventListener('DOMContentLoaded', repair);
})();
