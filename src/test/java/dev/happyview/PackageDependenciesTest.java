package dev.happyview;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package rules of {@code docs/architecture.md}, checked over the compiled main classes: no cycles between
 * packages (the root package, the composition root, is left out: it wires everything), {@code protocol} knows nothing
 * of the service, {@code records} (the owner of the records table) depends on no feature, and backfill reaches Tap
 * only through the interface it owns.
 */
class PackageDependenciesTest {
    static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.happyview");
    }

    @Test
    void noCyclesBetweenPackages() {
        slices().matching("dev.happyview.(**)").should().beFreeOfCycles()
                .check(classes.that(resideInAPackage("dev.happyview.*..")));
    }

    @Test
    void protocolKnowsNothingOfTheService() {
        noClasses().that().resideInAPackage("dev.happyview.protocol..")
                .should().dependOnClassesThat(resideInAPackage("dev.happyview..")
                        .and(not(resideInAPackage("dev.happyview.protocol.."))))
                .check(classes);
    }

    @Test
    void recordsDependsOnNoFeature() {
        noClasses().that().resideInAPackage("dev.happyview.records..")
                .should().dependOnClassesThat(resideInAPackage("dev.happyview..").and(not(resideInAnyPackage(
                        "dev.happyview", "dev.happyview.records..", "dev.happyview.api..", "dev.happyview.store..",
                        "dev.happyview.protocol.."))))
                .check(classes);
    }

    @Test
    void backfillReachesTapOnlyThroughItsHandoffInterface() {
        noClasses().that().resideInAPackage("dev.happyview.backfill..")
                .should().dependOnClassesThat().resideInAPackage("dev.happyview.tap..")
                .check(classes);
    }
}
